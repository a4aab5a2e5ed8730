import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from '../http/zod';
import {
  couponHistoryResponse, couponListResponse, couponResponse, createCouponBody, updateCouponBody,
} from './coupon.schemas';
import { idParam } from '../http/schemas';
import { conditionalHeaders, etagHeader, idempotencyHeaders, replayedHeader } from '../openapi/headers';
import { BODY_ERRORS, IDEMPOTENCY_ERRORS, SERVER_ERRORS, problemResponses } from '../openapi/problems';
import { TAGS, adminOnly } from '../openapi/registry';

export const couponIdParams = z.object({
  couponId: idParam.openapi({ description: 'a positive int4; anything else is 400', example: '4' }),
});

export const couponExample = {
  id: 4,
  name: 'Spring sale',
  type: 'limited',
  count: 100000,
  remainingStock: 99950,
  issuedCount: 50,
  startDate: '2026-05-01T06:00:00.000Z',
  endDate: '2026-05-31T15:00:00.000Z',
  expireMinute: 7200,
  discountType: 'percent',
  discountAmount: 50,
  createdAt: '2026-04-20T09:12:44.120Z',
  updatedAt: '2026-04-20T09:12:44.120Z',
  deletedAt: null,
} satisfies z.infer<typeof couponResponse>;

const createExample = {
  name: 'Spring sale',
  type: 'limited',
  count: 100000,
  startDate: '2026-05-01T15:00:00+09:00',
  endDate: '2026-06-01T00:00:00',
  expireMinute: 7200,
  discountType: 'percent',
  discountAmount: 50,
} satisfies z.input<typeof createCouponBody>;

const location = {
  Location: { description: 'the new coupon, `/v1/coupons/{couponId}`', schema: { type: 'string' as const } },
};

const json = <T>(schema: z.ZodType, example: T) => ({ 'application/json': { schema, example } });

export function registerCouponPaths(registry: OpenAPIRegistry): void {
  const routes = [
    postCoupons, getCoupons, getCouponsCouponId, patchCouponsCouponId, deleteCouponsCouponId,
    getCouponsCouponIdHistory,
  ];
  for (const register of routes) register(registry);
}

function postCoupons(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/coupons',
    tags: [TAGS.coupons],
    summary: 'Create a coupon',
    description:
      '`name` 1–100 chars; `limited` needs `count` ≥ 1, `unlimited` needs `count` 0 or omitted; `startDate` < `endDate`; '
      + '`expireMinute` ≥ 1; `percent` discounts are 1–100, `amount` discounts > 0. Timestamps without an offset are read '
      + 'in `APP_TIMEZONE`. Appends a `created` history entry. Send an `Idempotency-Key` to retry safely.',
    security: adminOnly,
    request: {
      headers: idempotencyHeaders,
      body: { required: true, content: json(registry.register('CreateCouponBody', createCouponBody), createExample) },
    },
    responses: {
      201: { description: 'Created', headers: { ...location, ...etagHeader, ...replayedHeader }, content: json(couponResponse, couponExample) },
      ...problemResponses([...BODY_ERRORS, 'unauthorized', ...IDEMPOTENCY_ERRORS, ...SERVER_ERRORS]),
    },
  });
}

function getCoupons(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/coupons',
    tags: [TAGS.coupons],
    summary: 'List open and upcoming coupons',
    description: 'Coupons not deleted whose `endDate` is in the future (upcoming ones included), ordered by id.',
    responses: {
      200: { description: 'The coupons', content: json(couponListResponse, { coupons: [couponExample] }) },
      ...problemResponses(SERVER_ERRORS),
    },
  });
}

function getCouponsCouponId(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/coupons/{couponId}',
    tags: [TAGS.coupons],
    summary: 'Read a coupon',
    request: { params: couponIdParams },
    responses: {
      200: { description: 'The coupon', headers: etagHeader, content: json(couponResponse, couponExample) },
      ...problemResponses(['validation_failed', 'coupon_not_found', ...SERVER_ERRORS]),
    },
  });
}

function patchCouponsCouponId(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'patch',
    path: '/v1/coupons/{couponId}',
    tags: [TAGS.coupons],
    summary: 'Update a coupon',
    description:
      'Any subset of the create fields. `type` may be sent but must equal the current type (else 422 '
      + '`coupon_type_immutable`). `count` **adds** stock: ≥ 0 for `limited`, exactly 0 for `unlimited` (else 422 '
      + '`invalid_count`). Discount changes apply to later issuances only. Appends an `updated` history entry; a PATCH '
      + 'that changes nothing (`{}`, `count: 0`, only current values) answers 200 and writes nothing (no history entry, '
      + 'same `ETag`). `If-Match` makes it conditional; `Idempotency-Key` makes a retry safe (a retried `count` adds once).',
    security: adminOnly,
    request: {
      params: couponIdParams,
      headers: conditionalHeaders,
      body: {
        required: true,
        content: json(registry.register('UpdateCouponBody', updateCouponBody), { count: 100, discountAmount: 30 }),
      },
    },
    responses: {
      200: {
        description: 'The updated coupon',
        headers: { ...etagHeader, ...replayedHeader },
        content: json(couponResponse, { ...couponExample, count: 100100, remainingStock: 100050 }),
      },
      ...problemResponses([
        ...BODY_ERRORS, 'unauthorized', 'coupon_not_found', 'precondition_failed', 'coupon_type_immutable', 'invalid_count',
        ...IDEMPOTENCY_ERRORS, ...SERVER_ERRORS,
      ]),
    },
  });
}

function deleteCouponsCouponId(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'delete',
    path: '/v1/coupons/{couponId}',
    tags: [TAGS.coupons],
    summary: 'Delete a coupon',
    description:
      'A soft delete: the coupon stops issuing at once. Deleting it again is 404 (a retry with the same `Idempotency-Key` '
      + 'gets the 200 again). Appends a `deleted` history entry. `If-Match` makes it conditional.',
    security: adminOnly,
    request: { params: couponIdParams, headers: conditionalHeaders },
    responses: {
      200: {
        description: 'The coupon with `deletedAt` set',
        headers: { ...etagHeader, ...replayedHeader },
        content: json(couponResponse, { ...couponExample, deletedAt: '2026-05-02T00:00:00.000Z', updatedAt: '2026-05-02T00:00:00.000Z' }),
      },
      ...problemResponses([
        'validation_failed', 'unauthorized', 'coupon_not_found', 'precondition_failed', ...IDEMPOTENCY_ERRORS, ...SERVER_ERRORS,
      ]),
    },
  });
}

function getCouponsCouponIdHistory(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/coupons/{couponId}/history',
    tags: [TAGS.coupons],
    summary: "A coupon's history",
    description: "The coupon's state after each create, update and delete, oldest first; a deleted coupon's history stays readable.",
    security: adminOnly,
    request: { params: couponIdParams },
    responses: {
      200: {
        description: 'The history, oldest first',
        content: json(couponHistoryResponse, {
          history: [{
            id: 1,
            couponId: 4,
            description: 'created',
            name: 'Spring sale',
            type: 'limited',
            count: 100000,
            startDate: couponExample.startDate,
            endDate: couponExample.endDate,
            expireMinute: 7200,
            discountType: 'percent',
            discountAmount: 50,
            deletedAt: null,
            createdAt: couponExample.createdAt,
          }],
        }),
      },
      ...problemResponses(['validation_failed', 'unauthorized', 'coupon_not_found', ...SERVER_ERRORS]),
    },
  });
}
