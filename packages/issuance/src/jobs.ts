import type { Job, JobsOptions } from 'bullmq';
import { z } from 'zod';
import { DISCOUNT_TYPES } from '@coupon/domain';

// One catalog for api and worker: a job's name fixes its queue, payload schema and options,
// and the worker's handler map must cover every name (see apps/worker).
export const ISSUANCE_QUEUE = 'issuance';
export const RECONCILE_QUEUE = 'reconcile';

/** One accepted issuance: everything the worker needs to write its row. */
export const issuanceItem = z.strictObject({
  issuanceId: z.string().min(1).max(64),
  couponId: z.number().int().positive(),
  userId: z.string().min(1).max(128),
  sequence: z.number().int().positive(),
  requestedAt: z.number().int().nonnegative(),
  expireAt: z.number().int().nonnegative(),
  discountType: z.enum(DISCOUNT_TYPES),
  discountAmount: z.number().int().positive(),
  requestId: z.string().max(200).optional(),
});

/**
 * A group of accepted issuances (a few milliseconds of one API process, or the orphans a
 * reconciler pass found). `coupons` and `count` are there for people reading Bull Board.
 */
const persistBatch = z.strictObject({
  coupons: z.array(z.number().int().positive()),
  count: z.number().int().positive(),
  items: z.array(issuanceItem).min(1).max(10_000),
});

export const jobCatalog = {
  'persist-batch': {
    queue: ISSUANCE_QUEUE,
    schema: persistBatch,
    options: {
      // a 202 is a promise: keep retrying through a long PostgreSQL outage (~1 h in all)
      attempts: 30,
      backoff: { type: 'exponential', delay: 200 },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 10000 },
    } satisfies JobsOptions,
  },
  reconcile: {
    queue: RECONCILE_QUEUE,
    schema: z.strictObject({}),
    options: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } satisfies JobsOptions,
  },
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobData<K extends JobName> = z.infer<(typeof jobCatalog)[K]['schema']>;
export type JobHandler<K extends JobName> = (data: JobData<K>, job: Job) => Promise<unknown>;
export type JobHandlers = { [K in JobName]: JobHandler<K> };
export type IssuanceItem = z.infer<typeof issuanceItem>;
export type PersistBatchJob = JobData<'persist-batch'>;

/** What a persist-batch job returns: Bull Board shows it as the job's result. */
export interface BatchOutcomeCounts {
  issued: number;
  sold_out: number;
  already_holds_coupon: number;
}
