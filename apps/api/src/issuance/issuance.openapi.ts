import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from '../http/zod';
import { opaqueId } from '../http/schemas';
import { issuanceResponse, issueBody } from './issuance.schemas';
import { couponIdParams } from '../coupons/coupon.openapi';
import { SERVER_ERRORS, USER_ERRORS, alreadyIssuedProblem, problem, problemResponses } from '../openapi/problems';
import { TAGS, userAuth } from '../openapi/registry';

const { shape } = issuanceResponse;

// The same fields with their meaning spelled out for readers of the document.
const issuance = issuanceResponse
  .extend({
    issuanceId: shape.issuanceId.openapi({ description: 'opaque, 1–64 chars of `[A-Za-z0-9_-]`' }),
    status: shape.status.openapi({
      description: '`pending` from acceptance until the worker has written the user coupon, then `issued` or `failed`',
    }),
    sequence: shape.sequence.openapi({
      description:
        '1-based order of acceptance within the coupon; never repeats within it. After Redis lost a coupon\'s state the '
        + 'numbers jump ahead (past any that may have been in flight), and in the rare case a number was handed out '
        + 'twice, the later issuance is written under a new one, which the issuance shows once `issued`.',
    }),
    userCouponId: shape.userCouponId.openapi({ description: 'the user coupon once `issued`, else null' }),
    failureReason: shape.failureReason.openapi({
      description:
        'null unless `failed`. `sold_out`: PostgreSQL, which has the last word, found no stock left when writing it; '
        + '`already_holds_coupon`: PostgreSQL already holds a user coupon of this coupon for the user under another issuance.',
      enum: ['sold_out', 'already_holds_coupon', null],
    }),
    queuePosition: shape.queuePosition.openapi({
      description:
        'How many accepted-but-unpersisted issuances of the same coupon are ahead of this one (0: next to be written); '
        + 'null once settled (`issued` or `failed`).',
    }),
  })
  .openapi('Issuance', { description: 'The asynchronous "give": accepted at once, written by the worker shortly after.' });

const pending = {
  issuanceId: '4_mc1q2w3e9f3a1b2c3d4e5f60',
  couponId: 4,
  userId: 'user_1234',
  status: 'pending',
  sequence: 171370,
  userCouponId: null,
  requestedAt: '2026-05-01T06:00:00.012Z',
  issuedAt: null,
  failureReason: null,
  queuePosition: 12,
} satisfies z.infer<typeof issuanceResponse>;

const issuanceExamples = {
  pending: { summary: 'accepted, waiting for the worker', value: pending },
  issued: {
    summary: 'written',
    value: { ...pending, status: 'issued', userCouponId: 287304, issuedAt: '2026-05-01T06:00:00.040Z', queuePosition: null },
  },
  failed: {
    summary: 'refused when written',
    value: { ...pending, status: 'failed', failureReason: 'sold_out', queuePosition: null },
  },
};

export function registerIssuancePaths(registry: OpenAPIRegistry): void {
  const routes = [
    postCouponsCouponIdIssuances, getIssuancesIssuanceId, getCouponsCouponIdIssuancesUserId,
  ];
  for (const register of routes) register(registry);
}

function postCouponsCouponIdIssuances(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/coupons/{couponId}/issuances',
    tags: [TAGS.issuance],
    security: userAuth,
    summary: 'Issue a coupon to a user',
    description:
      'Reserves stock and enqueues the write; the 202 is a promise that exactly one user coupon will exist. Poll the '
      + '`Location` for the outcome (long poll: `?wait=20`). The 202 is sent once the request\'s group of reservations '
      + 'is in the queue (and, with `ISSUANCE_DURABILITY=replica`, acknowledged by `REDIS_MIN_REPLICAS` replicas); '
      + 'when that fails, 503 `service_unavailable`: with an `issuanceId` the reservation stands (poll it), without one retry. Issuable while `startDate` ≤ now < `endDate` and not deleted; one per user per coupon, ever. '
      + 'Each user may send `RATE_LIMIT_USER_ISSUE` issue requests per second (default 5, all API processes together); '
      + 'past that 429 `rate_limited` with `Retry-After`, and nothing is reserved. In `AUTH_MODE=jwt` the token must be '
      + "the body's `userId`'s (or a backend's).",
    request: {
      params: couponIdParams,
      body: { required: true, content: { 'application/json': { schema: issueBody, example: { userId: 'user_1234' } } } },
    },
    responses: {
      202: {
        description: 'Accepted, `status: "pending"`',
        headers: { Location: { description: '`/v1/issuances/{issuanceId}`', schema: { type: 'string' } } },
        content: { 'application/json': { schema: issuance, example: pending } },
      },
      ...problemResponses(
        [
          'validation_failed', 'payload_too_large', 'unsupported_media_type', 'coupon_not_found', 'already_issued', 'sold_out',
          'issuance_not_started', 'issuance_ended', ...USER_ERRORS, ...SERVER_ERRORS,
        ],
        {
          already_issued: { schema: alreadyIssuedProblem },
          service_unavailable: {
            // the reservation may stand although its enqueue failed: the id lets the client poll
            schema: problem.extend({ issuanceId: z.string().optional() }),
            detail: 'the issuance queue is unavailable; the reservation stands: poll the issuance or retry',
            extra: { issuanceId: pending.issuanceId },
          },
        },
      ),
    },
  });
}

function getIssuancesIssuanceId(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/issuances/{issuanceId}',
    tags: [TAGS.issuance],
    security: userAuth,
    summary: 'Read an issuance (or long-poll it)',
    description:
      'With `wait=N` (0–20 s) a pending issuance is answered as soon as it settles (`issued` or `failed`), or after N '
      + 'seconds with its current state, whichever comes first; a settled one answers at once. A waiting request holds '
      + 'no database or Redis connection of its own: thousands may wait at once. Without `wait` it answers at once. '
      + 'In `AUTH_MODE=jwt` with a user token, an issuance of another user and an id that does not exist both answer 403 '
      + '`forbidden`, so that the answer never tells whether someone else\'s issuance exists; a backend token (and '
      + '`AUTH_MODE=trusted`) gets 404 `issuance_not_found` for an unknown id.',
    request: {
      params: z.object({
        issuanceId: z.string().openapi({
          description: 'as returned by the issue call; an unknown one, whatever its form, is 404',
          example: pending.issuanceId,
        }),
      }),
      query: z.object({
        wait: z.string().optional().openapi({
          type: 'integer', minimum: 0, maximum: 20, example: 20,
          description: 'long poll: answer when the issuance settles or after this many seconds (0–20; else 400)',
        }),
      }),
    },
    responses: {
      200: { description: 'The issuance', content: { 'application/json': { schema: issuance, examples: issuanceExamples } } },
      ...problemResponses(['validation_failed', 'issuance_not_found', ...USER_ERRORS, ...SERVER_ERRORS]),
    },
  });
}

function getCouponsCouponIdIssuancesUserId(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/coupons/{couponId}/issuances/{userId}',
    tags: [TAGS.issuance],
    security: userAuth,
    summary: "Read a user's issuance of a coupon",
    description: 'The same issuance, found by its natural key (coupon, user).',
    request: {
      params: couponIdParams.extend({ userId: opaqueId.openapi({ example: 'user_1234' }) }),
    },
    responses: {
      200: { description: 'The issuance', content: { 'application/json': { schema: issuance, examples: issuanceExamples } } },
      ...problemResponses(['validation_failed', 'issuance_not_found', ...USER_ERRORS, ...SERVER_ERRORS]),
    },
  });
}
