import { randomBytes } from 'node:crypto';

// randomBytes(8) per id is a synchronous call into the CSPRNG on every issue request; one
// call per 512 ids does the same job (as node's randomUUID caches its entropy).
const POOL_BYTES = 8 * 512;
let pool = Buffer.alloc(0);
let offset = POOL_BYTES;

function random64Hex(): string {
  if (offset + 8 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  offset += 8;
  return pool.toString('hex', offset - 8, offset);
}

// The id carries its coupon id so a lookup by id alone finds the coupon's hash slot, and it
// sorts by time. No ':' — BullMQ uses it as the job id.
export function newIssuanceId(couponId: number, now = Date.now()): string {
  return `${couponId}_${now.toString(36)}${random64Hex()}`;
}

const ISSUANCE_ID = /^([1-9][0-9]{0,9})_[a-z0-9]{8,40}$/;

/** The coupon id inside an issuance id, or null for anything this service never issued. */
export function couponIdOfIssuance(issuanceId: string): number | null {
  const match = ISSUANCE_ID.exec(issuanceId);
  if (!match?.[1]) return null;
  const couponId = Number(match[1]);
  return couponId <= 2147483647 ? couponId : null;
}
