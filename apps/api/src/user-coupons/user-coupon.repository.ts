import { sql, type Kysely, type Transaction } from 'kysely';
import type { CouponRow, Database, UserCouponEvent, UserCouponRow } from '@coupon/db';

/** Which user coupon an action names: all three must match, as the seed requires. */
export interface UserCouponKey {
  id: number;
  userId: string;
  couponId: number;
}

/**
 * The listing's hot query, walking the index user_coupons_user_id_id (user_id, id DESC)
 * from the cursor down. Its SQL is kept in db/queries/user-coupons-page.sql, and the plan
 * test checks that the two stay the same.
 */
export function userCouponPageQuery(db: Kysely<Database>, userId: string, before: number | undefined, limit: number) {
  return db
    .selectFrom('user_coupons_storage')
    .selectAll()
    .where('user_id', '=', userId)
    .$if(before !== undefined, (qb) => qb.where('id', '<', before!))
    .where('deleted_at', 'is', null)
    .where('expire_date', '>', sql<Date>`now()`)
    .orderBy('id', 'desc')
    .limit(limit);
}

/** Deleted coupons included: a user coupon keeps showing the coupon it came from. */
export function findCouponsByIds(db: Kysely<Database>, ids: number[]): Promise<CouponRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('coupons').selectAll().where('id', 'in', ids).execute();
}

/** The row as it is now, with the transaction's clock so a re-check agrees with the update. */
export function findUserCouponWithClock(
  trx: Transaction<Database>,
  id: number,
): Promise<(UserCouponRow & { db_now: Date }) | undefined> {
  return trx
    .selectFrom('user_coupons_storage')
    .selectAll()
    .select(sql<Date>`now()`.as('db_now'))
    .where('id', '=', id)
    .executeTakeFirst();
}

// Each change is one conditional UPDATE: the row lock it takes serialises concurrent
// callers, and PostgreSQL re-checks the WHERE on the newest version, so of twenty
// concurrent uses exactly one matches.

export function markUsed(trx: Transaction<Database>, key: UserCouponKey, productId: string): Promise<UserCouponRow | undefined> {
  return trx
    .updateTable('user_coupons_storage')
    .set({ used_date: sql`now()`, product_id: productId, updated_at: sql`now()` })
    .where('id', '=', key.id)
    .where('user_id', '=', key.userId)
    .where('coupon_id', '=', key.couponId)
    .where('deleted_at', 'is', null)
    .where('used_date', 'is', null)
    .where('expire_date', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

export function markUnused(trx: Transaction<Database>, key: UserCouponKey): Promise<UserCouponRow | undefined> {
  return trx
    .updateTable('user_coupons_storage')
    .set({ used_date: null, product_id: null, updated_at: sql`now()` })
    .where('id', '=', key.id)
    .where('user_id', '=', key.userId)
    .where('coupon_id', '=', key.couponId)
    .where('deleted_at', 'is', null)
    .where('used_date', 'is not', null)
    .where('expire_date', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

export function softDeleteUserCoupon(trx: Transaction<Database>, key: UserCouponKey): Promise<UserCouponRow | undefined> {
  return trx
    .updateTable('user_coupons_storage')
    .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', key.id)
    .where('user_id', '=', key.userId)
    .where('coupon_id', '=', key.couponId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** The user coupon's state after a change, kept forever (like coupons_history). */
export async function appendUserCouponHistory(
  trx: Transaction<Database>,
  row: UserCouponRow,
  description: Exclude<UserCouponEvent, 'issued'>,
): Promise<void> {
  await trx
    .insertInto('user_coupons_storage_history')
    .values({
      user_coupon_id: row.id,
      product_id: row.product_id,
      used_date: row.used_date,
      description,
      deleted_at: row.deleted_at,
    })
    .execute();
}
