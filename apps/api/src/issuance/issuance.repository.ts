import type { Kysely } from 'kysely';
import type { Database, UserCouponRow } from '@coupon/db';

// A settled issuance whose Redis record has expired is proven by its row.

export function findRowByIssuanceId(db: Kysely<Database>, issuanceId: string): Promise<UserCouponRow | undefined> {
  return db.selectFrom('user_coupons_storage').selectAll().where('issuance_id', '=', issuanceId).executeTakeFirst();
}

export function findRowOfUser(db: Kysely<Database>, couponId: number, userId: string): Promise<UserCouponRow | undefined> {
  return db
    .selectFrom('user_coupons_storage')
    .selectAll()
    .where('coupon_id', '=', couponId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}
