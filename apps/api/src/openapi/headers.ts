import { z } from '../http/zod';
import '../http/schemas';

// The conditional and retry headers of API.md, for the routes that take them.

const idempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7E]+$/).optional().openapi({
  description:
    'Makes a retry safe: the first request with a key is processed and its response (status, body, `Location`, `ETag`) '
    + 'is kept 24 h, scoped to this route, its path ids and the caller; a retry with the same key and body gets it again '
    + 'with `Idempotent-Replayed: true` and changes nothing. Another body → 422 `idempotency_key_reused`; while the first '
    + 'is still processed → 409 `idempotency_key_in_use`. 5xx and 401 answers are not kept; a malformed key is 400. '
    + 'While Redis, which keeps the keys, is unavailable a request with a key is 503 (a request without one is served).',
  example: '5f0c7e9a-3b1d-4c8e-9a2f-7d6b1e4c0a93',
});

const ifMatch = z.string().optional().openapi({
  description:
    'RFC 9110 If-Match, strong comparison: `"<version>"` (the `ETag` of a read), a list of them, or `*` (any current '
    + 'coupon). When no listed tag is the current one (or the value is not a list of quoted tags) → 412 '
    + '`precondition_failed` and nothing changes; compared under the row lock, so of two writers holding one ETag exactly one wins.',
  example: '"7"',
});

export const idempotencyHeaders = z.object({ 'Idempotency-Key': idempotencyKey });
export const conditionalHeaders = z.object({ 'If-Match': ifMatch, 'Idempotency-Key': idempotencyKey });

export const etagHeader = {
  ETag: {
    description: 'strong validator `"<version>"`: changes with every update; send it back in `If-Match`',
    schema: { type: 'string' as const, example: '"7"' },
  },
};

export const replayedHeader = {
  'Idempotent-Replayed': {
    description: '`true` when this is the kept response of an earlier request with the same Idempotency-Key (on any status)',
    schema: { type: 'string' as const, enum: ['true'] },
  },
};
