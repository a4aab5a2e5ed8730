import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { CouponRow, Database } from '@coupon/db';
import { couponKeys, restoreLockKey } from './keys';

const RESTORE_CHUNK = 1000;

type CouponMetaSource = Pick<
  CouponRow,
  'type' | 'count' | 'start_date' | 'end_date' | 'deleted_at' | 'expire_minute' | 'discount_type' | 'discount_amount'
>;

/** The fields the reservation script reads, as field/value pairs for HSET. */
export function couponMetaFields(row: CouponMetaSource): (string | number)[] {
  return [
    'type', row.type,
    'count', row.count,
    'start', new Date(row.start_date).getTime(),
    'end', new Date(row.end_date).getTime(),
    'deleted', row.deleted_at ? 1 : 0,
    'expireMinute', row.expire_minute,
    'discountType', row.discount_type,
    'discountAmount', row.discount_amount,
  ];
}

/**
 * Mirrors an admin change into Redis. A coupon whose state is missing (new, or Redis lost
 * it) is first rebuilt from PostgreSQL, then the change is applied on top.
 */
export async function syncCouponState(redis: Redis, db: Kysely<Database>, row: CouponRow): Promise<void> {
  const meta = couponKeys(row.id).meta;
  if ((await redis.mirrorCoupon(meta, row.version, ...couponMetaFields(row))) !== 0) return;
  await restoreCouponState(redis, db, row.id);
  await redis.mirrorCoupon(meta, row.version, ...couponMetaFields(row));
}

/**
 * Rebuilds a coupon's Redis state from PostgreSQL: holders, sequence counter and metadata.
 * Returns false when PostgreSQL has no such coupon. Safe to run from many processes at
 * once: one rebuilds while the others wait for the metadata to appear.
 */
export async function restoreCouponState(redis: Redis, db: Kysely<Database>, couponId: number): Promise<boolean> {
  const keys = couponKeys(couponId);
  const lock = restoreLockKey(couponId);
  const token = `${process.pid}-${Math.random()}`;
  if ((await redis.set(lock, token, 'PX', 30_000, 'NX')) !== 'OK') {
    return waitForMeta(redis, db, keys.meta, couponId);
  }
  try {
    const coupon = await db.selectFrom('coupons').selectAll().where('id', '=', couponId).executeTakeFirst();
    if (!coupon) return false;
    if (await redis.exists(keys.meta)) return true;
    const { maxSequence } = await mergePersistedHolders(redis, db, couponId);
    await redis.restoreCoupon(keys.meta, keys.seq, maxSequence, coupon.version, ...couponMetaFields(coupon));
    return true;
  } finally {
    if ((await redis.get(lock)) === token) await redis.del(lock);
  }
}

/**
 * Puts every persisted holder of the coupon into its Redis users hash (and raises the
 * sequence counter to the highest persisted one), for a Redis that lost writes while the
 * coupon's metadata survived. Returns how many holders Redis had been missing.
 */
export async function repairCouponHolders(redis: Redis, db: Kysely<Database>, couponId: number): Promise<number> {
  return (await mergePersistedHolders(redis, db, couponId)).added;
}

// Every persisted row holds its user's place, deleted or not: one per user per coupon, ever.
async function mergePersistedHolders(redis: Redis, db: Kysely<Database>, couponId: number) {
  const keys = couponKeys(couponId);
  let maxSequence = 0;
  let added = 0;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('user_coupons_storage')
      .select(['id', 'user_id', 'issuance_id', 'sequence'])
      .where('coupon_id', '=', couponId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(RESTORE_CHUNK)
      .execute();
    if (rows.length === 0) return { maxSequence, added };
    const chunkMax = rows.reduce((max, r) => Math.max(max, r.sequence), 0);
    added += await redis.mergeHolders(keys.users, keys.seq, chunkMax, ...rows.flatMap((r) => [r.user_id, r.issuance_id]));
    maxSequence = Math.max(maxSequence, chunkMax);
    after = rows[rows.length - 1]!.id;
  }
}

async function waitForMeta(redis: Redis, db: Kysely<Database>, metaKey: string, couponId: number) {
  for (let i = 0; i < 100; i++) {
    if (await redis.exists(metaKey)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  const exists = await db.selectFrom('coupons').select('id').where('id', '=', couponId).executeTakeFirst();
  if (!exists) return false;
  throw new Error(`coupon ${couponId} state is still being restored`);
}


/** Accepted counts per coupon from Redis; null where Redis holds no state for the coupon. */
export async function readIssuedCounts(redis: Redis, couponIds: number[]): Promise<Map<number, number | null>> {
  const replies = await Promise.all(
    couponIds.map(async (id) => {
      const keys = couponKeys(id);
      const [exists, issued] = await Promise.all([redis.exists(keys.meta), redis.hlen(keys.users)]);
      return [id, exists ? issued : null] as const;
    }),
  );
  return new Map(replies);
}
