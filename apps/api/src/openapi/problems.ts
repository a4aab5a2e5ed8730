import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from '../http/zod';
import type { ErrorCode } from '@coupon/domain';
import { PROBLEM_TYPE_BASE, problemCodes } from '@coupon/runtime';

// The RFC 9457 bodies (`application/problem+json`) of http/problem.ts as schemas. They document what sendProblem writes;
// nothing parses them, so they live with the document rather than with a feature.

const allCodes = Object.keys(problemCodes) as [ErrorCode, ...ErrorCode[]];

export const problem = z
  .object({
    type: z.string().openapi({ description: '`https://coupon.dev/problems/<code>`' }),
    title: z.string().openapi({ description: 'the same for every problem of a code' }),
    status: z.number().int().openapi({ description: 'the HTTP status' }),
    detail: z.string().openapi({ description: 'what went wrong with this request, for humans' }),
    code: z.enum(allCodes).openapi({ description: 'stable and machine-readable: branch on this' }),
  })
  .openapi('Problem');

export const validationProblem = problem
  .extend({
    code: z.literal('validation_failed'),
    errors: z
      .array(z.object({
        path: z.string().openapi({ description: 'camelCase field name or dotted path; the request part when the whole part is wrong' }),
        message: z.string(),
      }))
      .openapi({ description: 'every problem found, so a client can fix its request in one round' }),
  })
  .openapi('ValidationProblem');

export const alreadyIssuedProblem = problem
  .extend({
    code: z.literal('already_issued'),
    issuanceId: z.string().openapi({ description: 'the issuance the user already has for this coupon' }),
  })
  .openapi('AlreadyIssuedProblem');

export const internalErrorProblem = problem
  .extend({
    code: z.literal('internal_error'),
    requestId: z.string().openapi({ description: 'the X-Request-Id of the failed request, to quote when reporting it' }),
  })
  .openapi('InternalErrorProblem');

/** A sample body per code: the examples in the document, and a compile error for a new code without one. */
const SAMPLES: Record<ErrorCode, { detail: string; extra?: Record<string, unknown> }> = {
  validation_failed: {
    detail: 'the body is not valid',
    extra: { errors: [{ path: 'discountAmount', message: 'Too small: expected number to be >=1' }] },
  },
  unauthorized: { detail: 'this route needs the admin token' },
  forbidden: { detail: 'the token may only act for its own user' },
  not_found: { detail: 'GET /v1/nothing is not a route of this API' },
  payload_too_large: { detail: 'request bodies are limited to 64 KiB' },
  unsupported_media_type: { detail: 'bodies are JSON: send Content-Type: application/json, not text/plain' },
  headers_too_large: { detail: 'request headers are limited to 16 KiB in all' },
  request_timeout: { detail: 'the request headers did not arrive in time' },
  coupon_not_found: { detail: 'coupon 4 does not exist' },
  coupon_type_immutable: { detail: "a coupon's type cannot change (it is 'limited')" },
  invalid_count: { detail: 'count adds stock and must be an integer >= 0' },
  already_issued: { detail: 'user user_1234 already holds coupon 4', extra: { issuanceId: '4_mc1q2w3e9f3a1b2c3d4e5f60' } },
  sold_out: { detail: 'coupon 4 is sold out' },
  issuance_not_started: { detail: 'coupon 4 cannot be issued yet' },
  issuance_ended: { detail: 'coupon 4 can no longer be issued' },
  issuance_not_found: { detail: 'issuance 4_mc1q2w3e9f3a1b2c3d4e5f60 does not exist' },
  user_coupon_not_found: { detail: 'the user has no such coupon' },
  coupon_mismatch: { detail: 'the user coupon belongs to coupon 4, not 5' },
  already_used: { detail: 'the user coupon has already been used' },
  not_used: { detail: 'the user coupon has not been used' },
  user_coupon_expired: { detail: 'the user coupon has expired' },
  rate_limited: { detail: 'more than 5 issue requests per second for this user; retry after the Retry-After seconds' },
  precondition_failed: { detail: 'coupon 4 is at version "7", not "6" (If-Match)' },
  idempotency_key_reused: { detail: 'this Idempotency-Key was first used with another body; use a new key for a new request' },
  idempotency_key_in_use: { detail: 'the first request with this Idempotency-Key is still being processed; retry shortly' },
  service_unavailable: { detail: 'PostgreSQL or Redis is unavailable; retry shortly' },
  internal_error: {
    detail: 'unexpected error; quote the request id when reporting it',
    extra: { requestId: '9b2f3c1e-6f1d-4a7e-8d0c-2b5e4f1a7c90' },
  },
};

const SCHEMAS: Partial<Record<ErrorCode, z.ZodType>> = {
  validation_failed: validationProblem,
  already_issued: alreadyIssuedProblem,
  internal_error: internalErrorProblem,
};

const HEADERS: Partial<Record<number, ResponseConfig['headers']>> = {
  401: {
    'WWW-Authenticate': {
      description: '`Bearer`; `Bearer error="invalid_token"` when a user token was given but does not verify (RFC 6750)',
      schema: { type: 'string' },
    },
  },
  429: { 'Retry-After': { description: 'seconds until the limit allows another request (≥ 1)', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } },
};

// codes whose response carries a header the rest of their status does not
const CODE_HEADERS: Partial<Record<ErrorCode, ResponseConfig['headers']>> = {
  idempotency_key_in_use: { 'Retry-After': { description: 'seconds to wait before retrying (409 `idempotency_key_in_use`)', schema: { type: 'integer' } } },
};

/** A route's own variant of one code's body, e.g. readiness details on a 503. */
export interface ProblemOverride {
  schema: z.ZodType;
  detail?: string;
  extra?: Record<string, unknown>;
}

export function sampleProblem(code: ErrorCode, override?: Omit<ProblemOverride, 'schema'>) {
  const { status, title } = problemCodes[code];
  const sample = SAMPLES[code];
  return {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title,
    status,
    detail: override?.detail ?? sample.detail,
    code,
    ...(override?.extra ?? sample.extra),
  };
}

/** Any request at all: Node's HTTP parser answers these before a route is chosen. */
const EVERY_REQUEST_ERRORS = ['headers_too_large'] as const satisfies readonly ErrorCode[];

/**
 * The error responses of one route, grouped by status: each status lists its codes, its
 * body's schema (the code narrowed to those codes) and one example per code.
 */
export function problemResponses(
  codes: readonly ErrorCode[],
  overrides: Partial<Record<ErrorCode, ProblemOverride>> = {},
): Record<string, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...EVERY_REQUEST_ERRORS])) {
    const { status } = problemCodes[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const plain = group.filter((code) => !overrides[code] && !SCHEMAS[code]);
    const schemas = [
      ...(plain.length ? [problem.extend({ code: z.enum(plain as [ErrorCode, ...ErrorCode[]]) })] : []),
      ...group.filter((code) => !plain.includes(code)).map((code) => overrides[code]?.schema ?? SCHEMAS[code]!),
    ];
    responses[status] = {
      description: group.map((code) => `\`${code}\`: ${problemCodes[code].title}`).join('; '),
      headers: headersOf(status, group),
      content: {
        'application/problem+json': {
          schema: schemas.length === 1 ? schemas[0]! : z.union(schemas as [z.ZodType, z.ZodType, ...z.ZodType[]]),
          examples: Object.fromEntries(
            group.map((code) => [code, { summary: problemCodes[code].title, value: sampleProblem(code, overrides[code]) }]),
          ),
        },
      },
    };
  }
  return responses;
}

function headersOf(status: number, codes: ErrorCode[]): ResponseConfig['headers'] {
  const merged = Object.assign({}, HEADERS[status], ...codes.map((code) => CODE_HEADERS[code] ?? {}));
  return Object.keys(merged).length ? merged : undefined;
}

/**
 * Every /v1 route may meet an unexpected error, a backing service that does not answer, or
 * the per-address rate limit (RATE_LIMIT_IP).
 */
export const SERVER_ERRORS = ['rate_limited', 'internal_error', 'service_unavailable'] as const satisfies readonly ErrorCode[];
/** The user routes in `AUTH_MODE=jwt`: no or an invalid token (401), a token for another user (403). */
export const USER_ERRORS = ['unauthorized', 'forbidden'] as const satisfies readonly ErrorCode[];
/** Routes that take an Idempotency-Key. */
export const IDEMPOTENCY_ERRORS = ['idempotency_key_reused', 'idempotency_key_in_use'] as const satisfies readonly ErrorCode[];
/** Routes that read a JSON body. */
export const BODY_ERRORS = ['validation_failed', 'payload_too_large', 'unsupported_media_type'] as const satisfies readonly ErrorCode[];
