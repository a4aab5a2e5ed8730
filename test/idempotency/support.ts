import type { Kysely } from 'kysely';
import type { Database } from '@coupon/db';
import { createCoupon } from '../support/coupons';
import type { TestApi } from '../support/api';
import { insertUserCoupon } from '../support/user-coupons';

// Helpers of the Idempotency-Key suites: state is counted in PostgreSQL, where a retry that
// did the work twice would show as a second history row or stock added twice.

export async function couponState(db: Kysely<Database>, id: number) {
  const row = await db.selectFrom('coupons').select(['count', 'version', 'deleted_at']).where('id', '=', id).executeTakeFirstOrThrow();
  const history = await db.selectFrom('coupons_history').select('description').where('coupon_id', '=', id).orderBy('id').execute();
  return { count: row.count, version: row.version, deleted: row.deleted_at !== null, history: history.map((h) => h.description) };
}

/** A user coupon of its own coupon, and the user's id. */
export async function newUserCoupon(api: TestApi, db: Kysely<Database>, userId: string) {
  const couponId = await createCoupon(api);
  const row = await insertUserCoupon(db, { userId, couponId });
  return { id: row.id, couponId, userId };
}

export async function userCouponHistory(db: Kysely<Database>, id: number): Promise<string[]> {
  const rows = await db.selectFrom('user_coupons_storage_history').select('description').where('user_coupon_id', '=', id).orderBy('id').execute();
  return rows.map((r) => r.description);
}

let keys = 0;
/** A fresh Idempotency-Key. */
export const newKey = () => `key-${Date.now().toString(36)}-${++keys}`;
