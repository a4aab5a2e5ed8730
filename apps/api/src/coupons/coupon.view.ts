import type { Redis } from 'ioredis';
import type { CouponHistoryRow, CouponRow } from '@coupon/db';
import { formatTimestamp } from '@coupon/domain';
import { readIssuedCounts } from '@coupon/issuance';
import type { CouponHistoryEntry, CouponResponse } from './coupon.schemas';

/**
 * Coupons as the API shows them. Accepted counts come from Redis, which knows pending
 * issuances too; PostgreSQL's persisted count stands in when Redis holds no state.
 */
export async function toCouponResponses(redis: Redis, rows: CouponRow[]): Promise<CouponResponse[]> {
  const counts = await readIssuedCounts(redis, rows.map((r) => r.id)).catch(() => new Map<number, null>());
  return rows.map((row) => toCouponResponse(row, counts.get(row.id) ?? row.issued_count));
}

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

export function toHistoryEntry(row: CouponHistoryRow): CouponHistoryEntry {
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
