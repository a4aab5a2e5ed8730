import type { DiscountType } from '@coupon/domain';
import type { IssuanceItem } from './jobs';

export type IssuanceStatus = 'pending' | 'issued' | 'failed';
export type FailureReason = 'sold_out' | 'already_holds_coupon';

/** An issuance as Redis holds it: the reservation plus the worker's verdict. */
export interface IssuanceRecord {
  issuanceId: string;
  couponId: number;
  userId: string;
  status: IssuanceStatus;
  sequence: number;
  requestedAt: number;
  expireAt: number;
  discountType: DiscountType;
  discountAmount: number;
  userCouponId: number | null;
  /** The row's created_at: the same instant whether read from Redis or PostgreSQL. */
  issuedAt: number | null;
  failureReason: string | null;
  /** Accepted, unsettled issuances of the coupon ahead of this one; null once settled. */
  queuePosition: number | null;
}

/** The worker's verdict on one issuance. */
export type Verdict =
  /** `sequence` when the row took a new number: the one Redis handed out was taken. */
  | { status: 'issued'; userCouponId: number; issuedAt: number; sequence?: number }
  | { status: 'failed'; reason: FailureReason; release: boolean };

export interface Settlement {
  item: Pick<IssuanceItem, 'couponId' | 'issuanceId'>;
  verdict: Verdict;
}

/** Parses read-issuance-2.lua's reply: the queue position, then HGETALL's field/value pairs. */
export function parseRecord(couponId: number, issuanceId: string, reply: (string | number)[]): IssuanceRecord | null {
  if (reply.length === 0) return null;
  const raw: Record<string, string> = {};
  for (let i = 1; i < reply.length; i += 2) raw[String(reply[i])] = String(reply[i + 1]);
  if (!raw.status || !raw.userId) return null;
  const position = Number(reply[0]);
  return {
    issuanceId,
    couponId,
    userId: raw.userId,
    status: raw.status as IssuanceStatus,
    sequence: Number(raw.sequence),
    requestedAt: Number(raw.requestedAt),
    expireAt: Number(raw.expireAt),
    discountType: raw.discountType as DiscountType,
    discountAmount: Number(raw.discountAmount),
    userCouponId: raw.userCouponId ? Number(raw.userCouponId) : null,
    issuedAt: raw.issuedAt ? Number(raw.issuedAt) : null,
    failureReason: raw.failureReason ?? null,
    queuePosition: raw.status === 'pending' && position >= 0 ? position : null,
  };
}
