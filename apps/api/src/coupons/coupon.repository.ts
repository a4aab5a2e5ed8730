import { sql, type Kysely, type Transaction } from 'kysely';
import type { CouponRow, Database, NewCouponRow } from '@coupon/db';

/** The coupon unless it is deleted (a deleted coupon is gone to readers). */
export function findLiveCoupon(db: Kysely<Database>, id: number): Promise<CouponRow | undefined> {
  return db.selectFrom('coupons').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Not deleted and not over (upcoming ones included), oldest first. */
export function listOpenCoupons(db: Kysely<Database>): Promise<CouponRow[]> {
  return db
    .selectFrom('coupons')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where('end_date', '>', sql<Date>`now()`)
    .orderBy('id')
    .execute();
}

/** Locks the row so concurrent updates of one coupon apply one after the other. */
export function lockCoupon(trx: Transaction<Database>, id: number): Promise<CouponRow | undefined> {
  return trx
    .selectFrom('coupons')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

export function insertCoupon(trx: Transaction<Database>, values: NewCouponRow): Promise<CouponRow> {
  return trx.insertInto('coupons').values(values).returningAll().executeTakeFirstOrThrow();
}

export function updateCoupon(
  trx: Transaction<Database>,
  id: number,
  values: Omit<NewCouponRow, 'type'>,
): Promise<CouponRow> {
  return trx
    .updateTable('coupons')
    .set({ ...values, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function softDeleteCoupon(trx: Transaction<Database>, id: number): Promise<CouponRow | undefined> {
  return trx
    .updateTable('coupons')
    .set({ deleted_at: sql`now()`, updated_at: sql`now()`, version: sql`version + 1` })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** The coupon's state after a change, kept forever. */
export async function appendCouponHistory(
  trx: Transaction<Database>,
  coupon: CouponRow,
  description: 'created' | 'updated' | 'deleted',
): Promise<void> {
  await trx
    .insertInto('coupons_history')
    .values({
      coupon_id: coupon.id,
      name: coupon.name,
      type: coupon.type,
      count: coupon.count,
      start_date: coupon.start_date,
      end_date: coupon.end_date,
      expire_minute: coupon.expire_minute,
      discount_type: coupon.discount_type,
      discount_amount: coupon.discount_amount,
      description,
      deleted_at: coupon.deleted_at,
    })
    .execute();
}

export function listCouponHistory(db: Kysely<Database>, couponId: number) {
  return db.selectFrom('coupons_history').selectAll().where('coupon_id', '=', couponId).orderBy('id').execute();
}

/** Whether the id was ever a coupon, deleted or not (its history stays readable). */
export function couponEverExisted(db: Kysely<Database>, id: number): Promise<boolean> {
  return db
    .selectFrom('coupons')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst()
    .then((row) => row !== undefined);
}
