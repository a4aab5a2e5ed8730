import { randomBytes } from 'node:crypto';

// The id carries its coupon id so a lookup by id alone finds the coupon's hash slot, and it
// sorts by time. No ':' — BullMQ uses it as the job id.
export function newIssuanceId(couponId: number, now = Date.now()): string {
  return `${couponId}_${now.toString(36)}${randomBytes(8).toString('hex')}`;
}

const ISSUANCE_ID = /^([1-9][0-9]{0,9})_[a-z0-9]{8,40}$/;

/** The coupon id inside an issuance id, or null for anything this service never issued. */
export function couponIdOfIssuance(issuanceId: string): number | null {
  const match = ISSUANCE_ID.exec(issuanceId);
  if (!match?.[1]) return null;
  const couponId = Number(match[1]);
  return couponId <= 2147483647 ? couponId : null;
}
