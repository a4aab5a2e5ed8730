import type { CouponRow, UserCouponRow } from '@coupon/db';
import { formatTimestamp } from '@coupon/domain';
import type { IssuanceStore } from '@coupon/issuance';
import type { CouponResponse } from '../coupons/coupon.schemas';
import { toCouponResponse } from '../coupons/coupon.view';
import type { UserCouponResponse } from './user-coupon.schemas';

/** User coupons with their coupons embedded, the coupons' counts read from Redis in one round trip. */
export async function toUserCouponResponses(
  store: IssuanceStore,
  rows: UserCouponRow[],
  couponRows: CouponRow[],
): Promise<UserCouponResponse[]> {
  const counts = await store.acceptedCounts(couponRows.map((c) => c.id)).catch(() => new Map<number, null>());
  const coupons = new Map(couponRows.map((c) => [c.id, toCouponResponse(c, counts.get(c.id) ?? c.issued_count)]));
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
