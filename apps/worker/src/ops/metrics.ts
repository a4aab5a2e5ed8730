import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WorkerMetrics {
  registry: Registry;
  settled: Counter<'outcome'>;
  acceptedThenFailed: Counter<'reason'>;
  renumbered: Counter;
  batchSize: Histogram;
  batchDuration: Histogram;
  persistLag: Histogram;
  drift: Gauge<'coupon'>;
  /** 1 while /readyz would answer 200, else 0; evaluated at each scrape by `readiness.check`. */
  ready: Gauge;
  readiness: { check: () => Promise<boolean> };
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const readiness = { check: async () => true };
  return {
    registry,
    readiness,
    ready: new Gauge({
      name: 'coupon_ready',
      help: '1 while this worker is ready (PostgreSQL and Redis answer, jobs are settled, not shutting down), else 0',
      registers: [registry],
      async collect() {
        this.set((await readiness.check()) ? 1 : 0);
      },
    }),
    ...verdictSeries(registry),
    batchSize: new Histogram({
      name: 'coupon_persist_batch_size',
      help: 'Issuances per persisted batch',
      buckets: [1, 10, 50, 100, 200, 300, 500, 1000, 2000],
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: 'coupon_persist_batch_duration_seconds',
      help: 'Time to write one batch to PostgreSQL',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    persistLag: new Histogram({
      name: 'coupon_persist_lag_seconds',
      help: 'From the 202 (reservation) to the committed row',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    drift: new Gauge({
      name: 'coupon_reconciler_drift',
      help: 'Accepted in Redis minus (rows + pending), per coupon, at the last reconciliation',
      labelNames: ['coupon'],
      registers: [registry],
    }),
  };
}

/** What PostgreSQL made of the accepted issuances. */
function verdictSeries(registry: Registry) {
  const acceptedThenFailed = new Counter({
    name: 'coupon_issuance_accepted_then_failed_total',
    help: 'Issuances answered 202 that PostgreSQL then refused (Redis had lost writes), by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  // every reason exported from the start at 0, so an alert sees the first one as an increase
  for (const reason of ['sold_out', 'already_holds_coupon']) acceptedThenFailed.inc({ reason }, 0);
  return {
    settled: new Counter({
      name: 'coupon_issuances_settled_total',
      help: 'Issuances settled by the worker: issued (a row exists) or failed (refused by PostgreSQL)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    acceptedThenFailed,
    renumbered: new Counter({
      name: 'coupon_sequence_renumbered_total',
      help: 'Issuances whose sequence a row already held (Redis had lost its counter): written under a new number',
      registers: [registry],
    }),
  };
}
