import type { Job, JobsOptions } from 'bullmq';
import { z } from 'zod';

// One catalog for api and worker: a job's name fixes its queue, payload schema and options,
// and the worker's handler map must cover every name (see apps/worker).
export const ISSUANCE_QUEUE = 'issuance';
export const RECONCILE_QUEUE = 'reconcile';

const persistIssuance = z.strictObject({
  issuanceId: z.string().min(1).max(64),
  couponId: z.number().int().positive(),
  userId: z.string().min(1).max(128),
  sequence: z.number().int().positive(),
  requestedAt: z.number().int().nonnegative(),
  expireAt: z.number().int().nonnegative(),
  discountType: z.enum(['percent', 'amount']),
  discountAmount: z.number().int().positive(),
  requestId: z.string().max(200).optional(),
});

export const jobCatalog = {
  'persist-issuance': {
    queue: ISSUANCE_QUEUE,
    schema: persistIssuance,
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
export type PersistIssuanceJob = JobData<'persist-issuance'>;
