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
  /**
   * Sharded pub/sub channel (not a key): the ids of issuances just settled, comma-joined.
   * Channels take no key prefix from the client, so subscribers add it themselves.
   */
  settled: string;
}

export function couponKeys(couponId: number): CouponKeys {
  const tag = `{c:${couponId}}`;
  return {
    meta: `${tag}:meta`,
    seq: `${tag}:seq`,
    users: `${tag}:users`,
    pending: `${tag}:pending`,
    issuance: (issuanceId) => `${tag}:i:${issuanceId}`,
    settled: `${tag}:settled`,
  };
}

/** Held briefly while one process rebuilds a coupon's state so others do not all do it. */
export function restoreLockKey(couponId: number): string {
  return `{c:${couponId}}:restoring`;
}

/**
 * STRING: a counter every coupon create, update and delete bumps once PostgreSQL has
 * committed it. API processes cache the coupon list and reload it when the counter moves,
 * so a change shows in every process's list as soon as its call has answered.
 */
export const CATALOG_VERSION_KEY = 'coupons:version';
