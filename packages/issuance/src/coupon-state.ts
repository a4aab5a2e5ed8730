import type { Redis } from 'ioredis';
import { couponKeys, restoreLockKey } from './keys';
import { MirrorReply } from './lua/replies';
import type { CouponSnapshot, PersistedSource } from './source';

const RESTORE_CHUNK = 1000;

/**
 * How far past the highest persisted number a counter rebuilt after a loss starts, and a
 * repair moves it (DESIGN.md invariant 6). The numbers a lost counter handed out that can
 * still become rows are those in hand when Redis lost them: each API process's open group
 * (≤ QUEUE_GROUP_SIZE, 100) and each worker's jobs in hand (≤ WORKER_CONCURRENCY ×
 * QUEUE_GROUP_SIZE, 256 × 100). Jobs still queued were lost with the counter, or survived
 * with it. 1,000,000 covers 100 API processes and 38 workers at the defaults (int4 leaves
 * room for 2,000 such losses of one coupon); beyond that, PostgreSQL's UNIQUE (coupon_id,
 * sequence) has the last word and the row takes a new number.
 */
export const SEQUENCE_GAP_AFTER_LOSS = 1_000_000;
const RESTORE_LOCK_MS = 30_000;
// a process that finds another one restoring waits up to 100 × 50 ms for it
const RESTORE_WAIT_POLLS = 100;
const RESTORE_WAIT_POLL_MS = 50;

/** The fields the reservation script reads, as field/value pairs for HSET. */
export function couponMetaFields(coupon: CouponSnapshot): (string | number)[] {
  return [
    'type', coupon.type,
    'count', coupon.count,
    'start', coupon.startDate.getTime(),
    'end', coupon.endDate.getTime(),
    'deleted', coupon.deletedAt ? 1 : 0,
    'expireMinute', coupon.expireMinute,
    'discountType', coupon.discountType,
    'discountAmount', coupon.discountAmount,
  ];
}

/**
 * Mirrors an admin change into Redis. A coupon whose state is missing is first built: for
 * a coupon just created, from nothing (its numbers start at 1); else Redis lost it, and it is
 * rebuilt from PostgreSQL. Then the change is applied on top.
 */
export async function mirrorCoupon(redis: Redis, source: PersistedSource, coupon: CouponSnapshot, created = false): Promise<void> {
  const keys = couponKeys(coupon.id);
  if ((await redis.mirrorCoupon(keys.meta, coupon.version, ...couponMetaFields(coupon))) !== MirrorReply.Missing) return;
  if (created) await redis.restoreCoupon(keys.meta, keys.seq, 0, coupon.version, ...couponMetaFields(coupon));
  else await restoreCouponState(redis, source, coupon.id);
  await redis.mirrorCoupon(keys.meta, coupon.version, ...couponMetaFields(coupon));
}

/**
 * Rebuilds a coupon's Redis state from PostgreSQL: holders, sequence counter (past every
 * number that may be in flight) and metadata. Returns false when PostgreSQL has no such
 * coupon. Safe to run from many processes at once: one rebuilds while the others wait for
 * the metadata to appear.
 */
export async function restoreCouponState(redis: Redis, source: PersistedSource, couponId: number): Promise<boolean> {
  const keys = couponKeys(couponId);
  const lock = restoreLockKey(couponId);
  const token = `${process.pid}-${Math.random()}`;
  if ((await redis.set(lock, token, 'PX', RESTORE_LOCK_MS, 'NX')) !== 'OK') {
    return waitForMeta(redis, source, keys.meta, couponId);
  }
  try {
    const coupon = await source.coupon(couponId);
    if (!coupon) return false;
    if (await redis.exists(keys.meta)) return true;
    const { maxSequence } = await mergePersistedHolders(redis, source, couponId);
    const floor = maxSequence + SEQUENCE_GAP_AFTER_LOSS;
    await redis.restoreCoupon(keys.meta, keys.seq, floor, coupon.version, ...couponMetaFields(coupon));
    return true;
  } finally {
    if ((await redis.get(lock)) === token) await redis.del(lock);
  }
}

/**
 * Puts every persisted holder of the coupon into its Redis users hash, for a Redis that
 * lost writes while the coupon's metadata survived; the counter lost numbers too, so it
 * moves past every one that may be in flight. Returns how many holders Redis had been missing.
 */
export async function repairCouponHolders(redis: Redis, source: PersistedSource, couponId: number): Promise<number> {
  const keys = couponKeys(couponId);
  const { added, maxSequence } = await mergePersistedHolders(redis, source, couponId);
  await redis.mergeHolders(keys.users, keys.seq, maxSequence + SEQUENCE_GAP_AFTER_LOSS);
  return added;
}

// Every persisted row holds its user's place, deleted or not: one per user per coupon, ever.
async function mergePersistedHolders(redis: Redis, source: PersistedSource, couponId: number) {
  const keys = couponKeys(couponId);
  let maxSequence = 0;
  let added = 0;
  let after = 0;
  for (;;) {
    const rows = await source.holders(couponId, after, RESTORE_CHUNK);
    if (rows.length === 0) return { maxSequence, added };
    const chunkMax = rows.reduce((max, r) => Math.max(max, r.sequence), 0);
    added += await redis.mergeHolders(keys.users, keys.seq, chunkMax, ...rows.flatMap((r) => [r.userId, r.issuanceId]));
    maxSequence = Math.max(maxSequence, chunkMax);
    after = rows[rows.length - 1]!.id;
  }
}

async function waitForMeta(redis: Redis, source: PersistedSource, metaKey: string, couponId: number) {
  for (let i = 0; i < RESTORE_WAIT_POLLS; i++) {
    if (await redis.exists(metaKey)) return true;
    await new Promise((r) => setTimeout(r, RESTORE_WAIT_POLL_MS));
  }
  if (!(await source.coupon(couponId))) return false;
  throw new Error(`coupon ${couponId} state is still being restored`);
}
