import type { Kysely } from 'kysely';
import type { Database } from '@coupon/db';
import type { TestApi } from './api';
import { eventually } from './processes';

/** How long a test waits for a worker to settle an accepted issuance. */
const SETTLE_MS = 20_000;

/** Polls GET /v1/issuances/:id until it is no longer pending; returns that body. */
export function settled(api: TestApi, issuanceId: string): Promise<Record<string, any>> {
  return eventually(async () => {
    const res = await api.http.get(`/v1/issuances/${issuanceId}`);
    return res.body.status === 'pending' ? undefined : (res.body as Record<string, any>);
  }, SETTLE_MS, `issuance ${issuanceId} to settle`);
}

/** The coupon's persisted user coupons, by sequence. */
export function rowsOf(db: Kysely<Database>, couponId: number) {
  return db.selectFrom('user_coupons_storage').select(['issuance_id', 'user_id', 'sequence'])
    .where('coupon_id', '=', couponId).orderBy('sequence').execute();
}

/** Resolves once the coupon has `count` persisted user coupons. */
export async function rowsReach(db: Kysely<Database>, couponId: number, count: number, ms = SETTLE_MS): Promise<void> {
  await eventually(async () => ((await rowsOf(db, couponId)).length === count ? true : undefined), ms, `${count} rows of coupon ${couponId}`);
}

/** How many history entries the coupon's user coupons have. */
export async function historyCount(db: Kysely<Database>, couponId: number): Promise<number> {
  const rows = await db.selectFrom('user_coupons_storage_history').innerJoin('user_coupons_storage as u', 'u.id', 'user_coupon_id')
    .select('u.issuance_id').where('u.coupon_id', '=', couponId).execute();
  return rows.length;
}
