import type { ErrorCode } from '@coupon/domain';

// RFC 9457 problem bodies, for every HTTP surface of the service (the API and the worker's
// ops port). Problem types are URLs under this base, one per code.
export const PROBLEM_TYPE_BASE = 'https://coupon.dev/problems/';

// One table from error code to HTTP status and title: the only place they are paired.
export const problemCodes: Record<ErrorCode, { status: number; title: string }> = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  unauthorized: { status: 401, title: 'Missing or invalid credentials' },
  forbidden: { status: 403, title: 'The credentials do not allow acting for this user' },
  not_found: { status: 404, title: 'No such route' },
  payload_too_large: { status: 413, title: 'The body is larger than 64 KiB' },
  unsupported_media_type: { status: 415, title: 'The body is not JSON' },
  headers_too_large: { status: 431, title: 'The request headers are larger than 16 KiB' },
  request_timeout: { status: 408, title: 'The request did not arrive in time' },
  coupon_not_found: { status: 404, title: 'No such coupon' },
  coupon_type_immutable: { status: 422, title: 'A coupon type cannot change' },
  invalid_count: { status: 422, title: 'The count cannot be applied' },
  already_issued: { status: 409, title: 'The user already holds this coupon' },
  sold_out: { status: 409, title: 'The coupon is sold out' },
  issuance_not_started: { status: 422, title: 'Issuance has not started' },
  issuance_ended: { status: 422, title: 'Issuance has ended' },
  issuance_not_found: { status: 404, title: 'No such issuance' },
  user_coupon_not_found: { status: 404, title: 'No such user coupon' },
  coupon_mismatch: { status: 409, title: 'The user coupon belongs to another coupon' },
  already_used: { status: 409, title: 'The user coupon is already used' },
  not_used: { status: 409, title: 'The user coupon is not used' },
  user_coupon_expired: { status: 410, title: 'The user coupon has expired' },
  rate_limited: { status: 429, title: 'Too many requests' },
  precondition_failed: { status: 412, title: 'The resource is not in the state If-Match names' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used with another request' },
  idempotency_key_in_use: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  service_unavailable: { status: 503, title: 'A backing service is unavailable' },
  internal_error: { status: 500, title: 'Internal error' },
};

/** The RFC 9457 body of one problem. */
export function problemBody(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  const { status, title } = problemCodes[code];
  return { type: `${PROBLEM_TYPE_BASE}${code}`, title, status, detail, code, ...extra };
}

