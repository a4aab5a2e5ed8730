import type { Queue } from 'bullmq';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { clusterMetrics } from './cluster';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type IssuanceOutcome = 'accepted' | 'already_issued' | 'sold_out' | 'not_started' | 'ended' | 'not_found';

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  issuanceOutcomes: Counter<'outcome'>;
  oldestWaitingAge: Gauge;
  rateLimited: Counter<'route' | 'limit'>;
  rateLimiterErrors: Counter<'limit'>;
  replicaWait: Histogram;
  groupsRefusedForDurability: Counter;
  /** 1 while /readyz would answer 200, else 0; evaluated at each scrape by `readiness.check`. */
  ready: Gauge;
  readiness: { check: () => Promise<boolean> };
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  // under node:cluster the primary collects this registry from every process
  AggregatorRegistry.setRegistries([registry]);
  collectDefaultMetrics({ register: registry }); // process, heap, event-loop lag
  const readiness = { check: async () => true };
  return {
    registry,
    readiness,
    ready: new Gauge({
      name: 'coupon_ready',
      help: '1 while this API process is ready (PostgreSQL and Redis answer, not shutting down), else 0',
      aggregator: 'min', // under node:cluster: 0 as soon as one process is not ready
      registers: [registry],
      async collect() {
        this.set((await readiness.check()) ? 1 : 0);
      },
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    issuanceOutcomes: new Counter({
      name: 'coupon_issuance_requests_total',
      help: 'Issue requests by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    oldestWaitingAge: new Gauge({
      name: 'coupon_persist_lag_oldest_seconds',
      help: 'Age of the oldest accepted issuance still waiting for the worker (0 when none)',
      aggregator: 'max',
      registers: [registry],
    }),
    ...protectionSeries(registry),
  };
}

/** The series of what protects the service and its promises: rate limits, replica durability. */
function protectionSeries(registry: Registry) {
  return {
    rateLimited: new Counter({
      name: 'coupon_rate_limited_total',
      help: 'Requests refused with 429 by route template and limit (user: issue requests per user, address: per client address)',
      labelNames: ['route', 'limit'],
      registers: [registry],
    }),
    replicaWait: new Histogram({
      name: 'coupon_replica_wait_seconds',
      help: 'ISSUANCE_DURABILITY=replica: how long the WAIT for replica acknowledgements held a group of answers',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    groupsRefusedForDurability: new Counter({
      name: 'coupon_groups_refused_for_durability_total',
      help: 'ISSUANCE_DURABILITY=replica: groups whose requests were answered 503 because too few replicas acknowledged in time',
      registers: [registry],
    }),
    rateLimiterErrors: new Counter({
      name: 'coupon_rate_limiter_errors_total',
      help: "Limiter checks whose Redis failed; each one fell back to this process's in-memory limit",
      labelNames: ['limit'],
      registers: [registry],
    }),
  };
}

/** Times every request, labelled by its route template so ids do not explode the series. */
export function httpMetrics(metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    timeRequest(metrics, req, res, () => (req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched'));
    next();
  };
}

/** Observes the request's duration when its response has gone, under the route `routeOf` names then. */
export function timeRequest(metrics: ApiMetrics, req: IncomingMessage, res: ServerResponse, routeOf: () => string): void {
  const start = process.hrtime.bigint();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    metrics.httpDuration.observe({ method: req.method ?? '', route: routeOf(), status: res.statusCode }, seconds);
  });
}

/**
 * Prometheus text: this process's series, the persist lag read from the issuance queue,
 * and BullMQ's own queue-depth export (bullmq_job_count by queue and state).
 */
export async function renderMetrics(metrics: ApiMetrics, issuanceQueue: Queue, otherQueues: Queue[] = []): Promise<string> {
  const [oldest] = await issuanceQueue.getJobs(['waiting'], 0, 0, true).catch(() => []);
  metrics.oldestWaitingAge.set(oldest ? Math.max(0, Date.now() - oldest.timestamp) / 1000 : 0);
  const parts = [await (clusterMetrics() ?? metrics.registry.metrics())];
  for (const [i, queue] of [issuanceQueue, ...otherQueues].entries()) {
    const text = await queue.exportPrometheusMetrics().catch(() => '');
    // one HELP/TYPE per family: repeating them for the second queue breaks the format
    parts.push(i === 0 ? text : text.split('\n').filter((l) => !l.startsWith('#')).join('\n'));
  }
  return `${parts.filter(Boolean).join('\n').trimEnd()}\n`;
}
