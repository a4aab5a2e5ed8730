// Every failure the service reports to a client, as one string-literal union. The HTTP
// layer pairs each code with a status; the domain only ever names the code.
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'headers_too_large'
  | 'request_timeout'
  | 'coupon_not_found'
  | 'coupon_type_immutable'
  | 'invalid_count'
  | 'already_issued'
  | 'sold_out'
  | 'issuance_not_started'
  | 'issuance_ended'
  | 'issuance_not_found'
  | 'user_coupon_not_found'
  | 'coupon_mismatch'
  | 'already_used'
  | 'not_used'
  | 'user_coupon_expired'
  | 'rate_limited'
  | 'precondition_failed'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_use'
  | 'service_unavailable'
  | 'internal_error';

/** One problem with one input field; `path` is the camelCase field name (or a dotted path). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * A rule was broken. `detail` is a human sentence for the problem body; `extra` holds
 * members the contract adds to that body (e.g. `errors`, `issuanceId`).
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
    super(`${code}: ${detail}`);
    this.name = 'DomainError';
    this.code = code;
    this.detail = detail;
    this.extra = extra;
  }
}

/** A 400 listing every field problem at once, so a client fixes its request in one round. */
export function validationError(errors: FieldError[], detail?: string): DomainError {
  const summary = detail ?? errors.map((e) => `${e.path} ${e.message}`).join('; ');
  return new DomainError('validation_failed', summary || 'the request is not valid', { errors });
}

/** Narrows a caught value (pnpm links one copy of this package, so `instanceof` holds). */
export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
