// Every Redis key of the service is built here. The keys of one coupon share the hash tag
// {c:<id>} so the reservation script touches a single Redis Cluster slot.
export interface CouponKeys {
  /** HASH: the coupon's issuance metadata mirrored from PostgreSQL. */
  meta: string;
  /** STRING: the last sequence number handed out. */
  seq: string;
  /** HASH userId -> issuanceId: every accepted issuance; its size is the accepted count. */
  users: string;
  /** ZSET issuanceId scored by sequence: accepted but not yet settled by the worker. */
  pending: string;
  /** HASH per issuance: its status and the inputs needed to persist it again. */
  issuance(issuanceId: string): string;
}

export function couponKeys(couponId: number): CouponKeys {
  const tag = `{c:${couponId}}`;
  return {
    meta: `${tag}:meta`,
    seq: `${tag}:seq`,
    users: `${tag}:users`,
    pending: `${tag}:pending`,
    issuance: (issuanceId) => `${tag}:i:${issuanceId}`,
  };
}

/** Held briefly while one process rebuilds a coupon's state so others do not all do it. */
export function restoreLockKey(couponId: number): string {
  return `{c:${couponId}}:restoring`;
}
