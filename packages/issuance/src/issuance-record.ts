import type { Redis } from 'ioredis';
import { couponKeys } from './keys';

export type IssuanceStatus = 'pending' | 'issued' | 'failed';

/** An issuance as Redis holds it: the reservation plus the worker's verdict. */
export interface IssuanceRecord {
  issuanceId: string;
  couponId: number;
  userId: string;
  status: IssuanceStatus;
  sequence: number;
  requestedAt: number;
  expireAt: number;
  discountType: 'percent' | 'amount';
  discountAmount: number;
  userCouponId: number | null;
  issuedAt: number | null;
  failureReason: string | null;
}

export async function readIssuanceRecord(
  redis: Redis,
  couponId: number,
  issuanceId: string,
): Promise<IssuanceRecord | null> {
  const raw = await redis.hgetall(couponKeys(couponId).issuance(issuanceId));
  if (!raw.status || !raw.userId) return null;
  return {
    issuanceId,
    couponId,
    userId: raw.userId,
    status: raw.status as IssuanceStatus,
    sequence: Number(raw.sequence),
    requestedAt: Number(raw.requestedAt),
    expireAt: Number(raw.expireAt),
    discountType: raw.discountType as 'percent' | 'amount',
    discountAmount: Number(raw.discountAmount),
    userCouponId: raw.userCouponId ? Number(raw.userCouponId) : null,
    issuedAt: raw.issuedAt ? Number(raw.issuedAt) : null,
    failureReason: raw.failureReason ?? null,
  };
}

/** How many accepted, unsettled issuances of the coupon are ahead of this one. */
export async function queuePosition(redis: Redis, couponId: number, issuanceId: string): Promise<number | null> {
  return redis.zrank(couponKeys(couponId).pending, issuanceId);
}
