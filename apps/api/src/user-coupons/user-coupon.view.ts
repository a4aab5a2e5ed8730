import type { UserCouponRow } from '@coupon/db';
import { formatTimestamp } from '@coupon/domain';
import type { CouponResponse } from '../coupons/coupon.schemas';
import type { UserCouponResponse } from './user-coupon.schemas';

/** User coupons with their coupons embedded. */
export function toUserCouponResponses(rows: UserCouponRow[], couponList: CouponResponse[]): UserCouponResponse[] {
  const coupons = new Map(couponList.map((c) => [c.id, c]));
  return rows.map((row) => {
    const coupon = coupons.get(row.coupon_id);
    // coupon_id is a foreign key and coupons are only soft-deleted
    if (!coupon) throw new Error(`coupon ${row.coupon_id} of user coupon ${row.id} was not loaded`);
    return toUserCouponResponse(row, coupon);
  });
}

export function toUserCouponResponse(row: UserCouponRow, coupon: CouponResponse): UserCouponResponse {
  return {
    id: row.id,
    userId: row.user_id,
    couponId: row.coupon_id,
    sequence: row.sequence,
    productId: row.product_id,
    giveDate: formatTimestamp(row.give_date)!,
    usedDate: formatTimestamp(row.used_date),
    expireDate: formatTimestamp(row.expire_date)!,
    discountType: row.discount_type,
    discountAmount: row.discount_amount,
    createdAt: formatTimestamp(row.created_at)!,
    updatedAt: formatTimestamp(row.updated_at)!,
    deletedAt: formatTimestamp(row.deleted_at),
    coupon,
  };
}
