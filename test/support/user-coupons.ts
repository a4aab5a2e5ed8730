import type { Kysely } from 'kysely';
import type { Database, UserCouponRow } from '@coupon/db';
import { HOUR } from './builders';

let next = 0;

export interface UserCouponFields {
  userId: string;
  couponId: number;
  giveDate?: Date;
  expireDate?: Date;
  usedDate?: Date | null;
  productId?: string | null;
  deletedAt?: Date | null;
  discountType?: 'percent' | 'amount';
  discountAmount?: number;
}

/**
 * A user_coupons_storage row written directly (with its `issued` history row), for states
 * the issuance flow cannot reach quickly: expired, deleted, many rows. Redis and the
 * coupon's issued_count are not touched.
 */
export async function insertUserCoupon(db: Kysely<Database>, fields: UserCouponFields): Promise<UserCouponRow> {
  next += 1;
  const giveDate = fields.giveDate ?? new Date(Date.now() - HOUR);
  const row = await db
    .insertInto('user_coupons_storage')
    .values({
      issuance_id: `t_${process.pid}_${next}`,
      user_id: fields.userId,
      coupon_id: fields.couponId,
      sequence: next,
      give_date: giveDate,
      expire_date: fields.expireDate ?? new Date(giveDate.getTime() + 24 * HOUR),
      used_date: fields.usedDate ?? null,
      product_id: fields.productId ?? null,
      deleted_at: fields.deletedAt ?? null,
      discount_type: fields.discountType ?? 'percent',
      discount_amount: fields.discountAmount ?? 50,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db.insertInto('user_coupons_storage_history').values({ user_coupon_id: row.id, description: 'issued' }).execute();
  return row;
}
