import { MetricsTime, UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  ISSUANCE_QUEUE, RECONCILE_QUEUE, jobCatalog, type JobHandlers, type JobName,
} from '@coupon/issuance';
import type { WorkerContext } from './context';
import type { Liveness } from './ops/server';
import { countOutcomes, createBatchWriter, type BatchWriter } from './persist/batch-writer';
import { reconcile } from './reconcile/reconciler';

export interface RunningWorkers {
  liveness: Liveness;
  /** Stops fetching, lets the jobs in hand finish (their batch is written), then returns. */
  close(): Promise<void>;
}

export async function startWorkers(ctx: WorkerContext): Promise<RunningWorkers> {
  const liveness: Liveness = { lastProgressAt: Date.now(), accepting: true };
  const writer = createBatchWriter(ctx, () => (liveness.lastProgressAt = Date.now()));
  const dispatch = dispatcher(jobHandlers(ctx, writer));
  const issuance = startWorker(ctx, ISSUANCE_QUEUE, dispatch, ctx.config.WORKER_CONCURRENCY);
  const reconciler = startWorker(ctx, RECONCILE_QUEUE, dispatch, 1);
  const unschedule = await scheduleReconciler(ctx);
  return {
    liveness,
    async close() {
      unschedule();
      liveness.accepting = false;
      // close() stops fetching and waits for the jobs in hand, which wait for their batch:
      // the batcher's timer writes it, drain() makes that happen now
      await Promise.all([issuance.close(), reconciler.close(), writer.drain()]);
    },
  };
}

// Typed over the catalog: a job name without a handler does not compile.
function jobHandlers(ctx: WorkerContext, writer: BatchWriter): JobHandlers {
  return {
    'persist-batch': async (data) => countOutcomes(await writer.add(data.items)),
    reconcile: async () => {
      const report = await reconcile(ctx);
      ctx.metrics.drift.reset();
      for (const [coupon, drift] of Object.entries(report.drift)) ctx.metrics.drift.set({ coupon }, drift);
      return report;
    },
  };
}

/** Re-parses each payload against the catalog: an invalid one fails for good, unretried. */
function dispatcher(handlers: JobHandlers) {
  return (job: Job) => {
    const name = job.name as JobName;
    const entry = jobCatalog[name];
    if (!entry) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const parsed = entry.schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid ${name} payload: ${parsed.error.message}`);
    return (handlers[name] as (data: unknown, job: Job) => Promise<unknown>)(parsed.data, job);
  };
}

function startWorker(ctx: WorkerContext, queue: string, dispatch: (job: Job) => Promise<unknown>, concurrency: number) {
  const { config, log } = ctx;
  const worker = new Worker(queue, dispatch, {
    connection: ctx.queueConnection,
    prefix: config.QUEUE_PREFIX,
    concurrency,
    lockDuration: config.WORKER_LOCK_MS,
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    // a job caught in a crashed worker is retried, never failed for having stalled
    maxStalledCount: 1000,
    // completed/failed counts for bullmq_job_completed_total / bullmq_job_failed_total
    metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
  });
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, name: job?.name, attempts: job?.attemptsMade, err }, 'job failed'));
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  return worker;
}

/**
 * The reconciler runs on a BullMQ job scheduler. The schedule lives in Redis: a Redis that
 * came back empty would leave the reconciler, the very thing that repairs Redis from
 * PostgreSQL, never running again; so it is set again whenever the connection is
 * (re)established. Setting it is idempotent. Returns a function that stops re-setting it.
 */
async function scheduleReconciler(ctx: WorkerContext): Promise<() => void> {
  const schedule = () => ctx.reconcileQueue.upsertJobScheduler(
    'reconcile-every',
    { every: ctx.config.RECONCILE_INTERVAL_MS },
    { name: 'reconcile', data: {}, opts: jobCatalog.reconcile.options },
  );
  await schedule();
  const reschedule = () => void schedule().catch((err: unknown) => ctx.log.error({ err }, 'could not schedule the reconciler'));
  ctx.queueConnection.on('ready', reschedule);
  return () => ctx.queueConnection.off('ready', reschedule);
}
