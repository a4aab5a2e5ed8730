import cluster, { type Worker } from 'node:cluster';
import type { AggregatorRegistry as Aggregator } from 'prom-client';
import { createLogger } from '@coupon/runtime/logger'; // not the whole package: see config.ts
import type { ApiConfig } from '../config';

// The class alone, not prom-client's index: that loads every metric type and OpenTelemetry
// (some 80 files), which the cluster primary never uses.
const AggregatorRegistry = require('prom-client/lib/cluster') as typeof Aggregator;

const METRICS_REQUEST = 'coupon:metrics-request';
const METRICS_REPLY = 'coupon:metrics-reply';

/**
 * The cluster primary: migrates once, forks the API processes, restarts one that dies,
 * answers their /metrics with the sum over all of them, and passes SIGTERM on.
 */
export async function runPrimary(config: ApiConfig): Promise<void> {
  const log = createLogger('api-primary', config.LOG_LEVEL);
  if (config.MIGRATE_ON_START) {
    // imported only to migrate: a primary that is told not to never loads the database driver
    const { createDb, migrateToLatest } = await import('@coupon/db');
    const db = createDb(config.DATABASE_URL, { max: 1 });
    await migrateToLatest(db).finally(() => db.destroy());
  }
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const fork = () => cluster.fork({ MIGRATE_ON_START: 'false' });
  for (let i = 0; i < config.API_PROCESSES; i++) fork();

  cluster.on('message', async (worker: Worker, message: { type?: string; id?: number }) => {
    if (message?.type !== METRICS_REQUEST) return;
    const text = await aggregator.clusterMetrics().catch((err: Error) => `# aggregation failed: ${err.message}\n`);
    worker.send({ type: METRICS_REPLY, id: message.id, text });
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'api process died; starting another');
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping api processes');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(check);
        process.exit(0);
      }
    }, 50);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log.info({ processes: config.API_PROCESSES, port: config.PORT }, 'api cluster started');
}

let nextId = 0;
const waiting = new Map<number, (text: string) => void>();

/** In a cluster worker: /metrics asks the primary, which sums every process's series. */
export function shareMetricsWithPrimary(): void {
  // prom-client installs the listener that answers the primary's collection only when an
  // AggregatorRegistry is constructed, in the worker as in the primary
  new AggregatorRegistry();
  process.on('message', (message: { type?: string; id?: number; text?: string }) => {
    if (message?.type !== METRICS_REPLY || message.id === undefined) return;
    waiting.get(message.id)?.(message.text ?? '');
    waiting.delete(message.id);
  });
}

export function clusterMetrics(): Promise<string> | null {
  if (!cluster.isWorker || !process.send) return null;
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    process.send!({ type: METRICS_REQUEST, id });
    setTimeout(() => {
      if (waiting.delete(id)) resolve('# cluster metrics timed out\n');
    }, 2000).unref();
  });
}
