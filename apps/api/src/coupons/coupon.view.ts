import type { CouponHistoryRow, CouponRow } from '@coupon/db';
import { formatTimestamp } from '@coupon/domain';
import type { CouponHistoryEntry, CouponResponse } from './coupon.schemas';

/** A coupon as the API shows it; `issuedCount` is the accepted count (pending ones included). */
export function toCouponResponse(row: CouponRow, issuedCount: number): CouponResponse {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    count: row.count,
    remainingStock: row.type === 'limited' ? Math.max(0, row.count - issuedCount) : null,
    issuedCount,
    startDate: formatTimestamp(row.start_date)!,
    endDate: formatTimestamp(row.end_date)!,
    expireMinute: row.expire_minute,
    discountType: row.discount_type,
    discountAmount: row.discount_amount,
    createdAt: formatTimestamp(row.created_at)!,
    updatedAt: formatTimestamp(row.updated_at)!,
    deletedAt: formatTimestamp(row.deleted_at),
  };
}

export function toCouponHistoryResponse(row: CouponHistoryRow): CouponHistoryEntry {
  return {
    id: row.id,
    couponId: row.coupon_id,
    description: row.description,
    name: row.name,
    type: row.type,
    count: row.count,
    startDate: formatTimestamp(row.start_date)!,
    endDate: formatTimestamp(row.end_date)!,
    expireMinute: row.expire_minute,
    discountType: row.discount_type,
    discountAmount: row.discount_amount,
    deletedAt: formatTimestamp(row.deleted_at),
    createdAt: formatTimestamp(row.created_at)!,
  };
}
