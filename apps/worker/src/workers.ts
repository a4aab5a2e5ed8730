import { Worker, type Job } from 'bullmq';
import {
  ISSUANCE_QUEUE, RECONCILE_QUEUE, jobCatalog, type JobHandlers, type JobName, type PersistIssuanceJob,
} from '@coupon/issuance';
import type { WorkerContext } from './context';
import { Batcher } from './persist/batcher';
import { persistBatch } from './persist/persist-batch';
import { persistHandler } from './persist/persist.handler';
import type { Liveness } from './ops/server';
import { reconcile } from './reconcile/reconciler';

export interface RunningWorkers {
  liveness: Liveness;
  /** Stops fetching, lets the jobs in hand finish (their batch is written), then returns. */
  close(): Promise<void>;
}

async function crashNow(): Promise<never> {
  process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => {});
}

export async function startWorkers(ctx: WorkerContext): Promise<RunningWorkers> {
  const { config, metrics } = ctx;
  const liveness: Liveness = { lastProgressAt: Date.now(), accepting: true };
  const batcher = new Batcher(
    async (items: PersistIssuanceJob[]) => {
      const timer = metrics.batchDuration.startTimer();
      const outcomes = await persistBatch(ctx.db, items, config.FAULT_CRASH_AT === 'before-commit' ? crashNow : undefined);
      timer();
      metrics.batchSize.observe(items.length);
      if (config.FAULT_CRASH_AT === 'after-commit') await crashNow();
      return outcomes;
    },
    config.BATCH_SIZE,
    config.BATCH_WAIT_MS,
  );

  // Typed over the catalog: a job name without a handler does not compile.
  const handlers: JobHandlers = {
    'persist-issuance': persistHandler({
      redis: ctx.redis,
      batcher,
      recordTtlSeconds: config.ISSUANCE_RECORD_TTL_SECONDS,
      onSettled(item, outcome) {
        liveness.lastProgressAt = Date.now();
        metrics.persisted.inc({ outcome: outcome.status === 'issued' ? 'issued' : outcome.reason });
        if (outcome.status === 'issued') metrics.persistLag.observe(Math.max(0, outcome.committedAt - item.requestedAt) / 1000);
      },
    }),
    reconcile: async () => {
      const report = await reconcile({
        db: ctx.db, redis: ctx.redis, queue: ctx.issuanceQueue, log: ctx.log,
        pendingAgeMs: config.RECONCILE_PENDING_AGE_MS, recordTtlSeconds: config.ISSUANCE_RECORD_TTL_SECONDS,
      });
      metrics.drift.reset();
      for (const [coupon, drift] of Object.entries(report.drift)) metrics.drift.set({ coupon }, drift);
      return report;
    },
  };
  const dispatch = (job: Job) => {
    const handler = handlers[job.name as JobName] as (data: unknown, job: Job) => Promise<unknown>;
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job.data, job);
  };

  const options = {
    connection: ctx.queueConnection,
    prefix: config.QUEUE_PREFIX,
    lockDuration: config.WORKER_LOCK_MS,
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    // a job caught in a crashed worker is retried, never failed for having stalled
    maxStalledCount: 1000,
  };
  const issuance = new Worker(ISSUANCE_QUEUE, dispatch, { ...options, concurrency: config.WORKER_CONCURRENCY });
  const reconciler = new Worker(RECONCILE_QUEUE, dispatch, { ...options, concurrency: 1 });
  for (const worker of [issuance, reconciler]) {
    worker.on('failed', (job, err) => ctx.log.warn({ jobId: job?.id, name: job?.name, attempts: job?.attemptsMade, err }, 'job failed'));
    worker.on('error', (err) => ctx.log.error({ err }, 'worker error'));
  }
  const schedule = () => ctx.reconcileQueue.upsertJobScheduler(
    'reconcile-every',
    { every: config.RECONCILE_INTERVAL_MS },
    { name: 'reconcile', data: {}, opts: jobCatalog.reconcile.options },
  );
  await schedule();
  // The schedule lives in Redis. A Redis that comes back empty would leave the reconciler,
  // the very thing that repairs Redis from PostgreSQL, never running again; so it is set
  // again whenever the connection is (re)established. Setting it is idempotent.
  const reschedule = () => void schedule().catch((err: unknown) => ctx.log.error({ err }, 'could not schedule the reconciler'));
  ctx.queueConnection.on('ready', reschedule);

  return {
    liveness,
    async close() {
      ctx.queueConnection.off('ready', reschedule);
      liveness.accepting = false;
      // close() stops fetching and waits for the jobs in hand; their batch is written by
      // the batcher's timer or by drain()
      await Promise.all([issuance.close(), reconciler.close(), batcher.drain()]);
      await batcher.drain();
    },
  };
}
