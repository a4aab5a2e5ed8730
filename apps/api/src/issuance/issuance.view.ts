import type { UserCouponRow } from '@coupon/db';
import { formatTimestamp } from '@coupon/domain';
import type { IssuanceItem, IssuanceRecord } from '@coupon/issuance';
import type { IssuanceResponse } from './issuance.schemas';

const iso = (ms: number | null) => (ms === null ? null : formatTimestamp(new Date(ms)));

/** The 202 body: the reservation just taken. */
export function toPendingIssuanceResponse(item: IssuanceItem, queuePosition: number): IssuanceResponse {
  return {
    issuanceId: item.issuanceId,
    couponId: item.couponId,
    userId: item.userId,
    status: 'pending',
    sequence: item.sequence,
    userCouponId: null,
    requestedAt: iso(item.requestedAt)!,
    issuedAt: null,
    failureReason: null,
    queuePosition,
  };
}

export function toIssuanceResponse(record: IssuanceRecord): IssuanceResponse {
  return {
    issuanceId: record.issuanceId,
    couponId: record.couponId,
    userId: record.userId,
    status: record.status,
    sequence: record.sequence,
    userCouponId: record.userCouponId,
    requestedAt: iso(record.requestedAt)!,
    issuedAt: iso(record.issuedAt),
    failureReason: record.failureReason,
    queuePosition: record.queuePosition,
  };
}

/** A settled issuance whose Redis record has expired: the row is the proof. */
export function toIssuanceResponseOfRow(row: UserCouponRow): IssuanceResponse {
  return {
    issuanceId: row.issuance_id,
    couponId: row.coupon_id,
    userId: row.user_id,
    status: 'issued',
    sequence: row.sequence,
    userCouponId: row.id,
    requestedAt: formatTimestamp(row.give_date)!,
    issuedAt: formatTimestamp(row.created_at),
    failureReason: null,
    queuePosition: null,
  };
}
