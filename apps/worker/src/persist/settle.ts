import type { Redis } from 'ioredis';
import { couponKeys, type PersistIssuanceJob } from '@coupon/issuance';
import type { PersistOutcome } from './persist-batch';

/** Tells Redis the verdict, so clients polling the issuance see it and stock is returned. */
export async function settleIssuance(
  redis: Redis,
  item: Pick<PersistIssuanceJob, 'couponId' | 'issuanceId'>,
  outcome: PersistOutcome,
  ttlSeconds: number,
): Promise<void> {
  const keys = couponKeys(item.couponId);
  const now = Date.now();
  if (outcome.status === 'issued') {
    await redis.settle(keys.issuance(item.issuanceId), keys.pending, keys.users, item.issuanceId, 'issued', outcome.userCouponId, now, '0', ttlSeconds);
  } else {
    await redis.settle(
      keys.issuance(item.issuanceId), keys.pending, keys.users, item.issuanceId, 'failed', outcome.reason, now,
      outcome.release ? '1' : '0', ttlSeconds,
    );
  }
}
