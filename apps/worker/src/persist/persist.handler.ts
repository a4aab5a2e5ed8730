import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobCatalog, type JobHandler, type PersistIssuanceJob } from '@coupon/issuance';
import type { Batcher } from './batcher';
import type { PersistOutcome } from './persist-batch';
import { settleIssuance } from './settle';

export interface PersistDeps {
  redis: Redis;
  batcher: Batcher<PersistIssuanceJob, PersistOutcome>;
  recordTtlSeconds: number;
  onSettled?(item: PersistIssuanceJob, outcome: PersistOutcome): void;
}

/**
 * One job = one accepted issuance. The job waits for its batch to commit, then settles the
 * issuance in Redis; only then does BullMQ mark it complete. A crash anywhere before that
 * leaves the job to be retried, and the retry finds the committed row.
 */
export function persistHandler(deps: PersistDeps): JobHandler<'persist-issuance'> {
  return async (data: unknown, _job: Job) => {
    const parsed = jobCatalog['persist-issuance'].schema.safeParse(data);
    if (!parsed.success) throw new UnrecoverableError(`invalid payload: ${parsed.error.message}`);
    const item = parsed.data;
    const outcome = await deps.batcher.add(item);
    await settleIssuance(deps.redis, item, outcome, deps.recordTtlSeconds);
    deps.onSettled?.(item, outcome);
    return outcome;
  };
}
