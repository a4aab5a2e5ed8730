import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from '../http/zod';
import { idParam, opaqueId } from '../http/schemas';
import {
  PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, cancelUseUserCouponBody, deleteUserCouponQuery, listUserCouponsQuery,
  useUserCouponBody, userCouponPageResponse, userCouponResponse,
} from './user-coupon.schemas';
import { couponExample } from '../coupons/coupon.openapi';
import { idempotencyHeaders, replayedHeader } from '../openapi/headers';
import { BODY_ERRORS, IDEMPOTENCY_ERRORS, SERVER_ERRORS, USER_ERRORS, problemResponses } from '../openapi/problems';
import { TAGS, userAuth } from '../openapi/registry';

const userParams = z.object({ userId: opaqueId.openapi({ example: 'user_1234' }) });
const userCouponParams = userParams.extend({
  userCouponId: idParam.openapi({ description: 'a positive int4; anything else is 400', example: '287304' }),
});

const { shape: query } = listUserCouponsQuery;
const listQuery = listUserCouponsQuery.extend({
  limit: query.limit.openapi({ description: `page size, an integer 1–${PAGE_LIMIT_MAX}`, default: String(PAGE_LIMIT_DEFAULT) }),
  cursor: query.cursor.openapi({ description: 'the `nextCursor` of the previous page; omit it for the first page' }),
});

const userCouponExample = {
  id: 287304,
  userId: 'user_1234',
  couponId: 4,
  sequence: 171370,
  productId: null,
  giveDate: '2026-05-01T06:00:00.012Z',
  usedDate: null,
  expireDate: '2026-05-06T06:00:00.012Z',
  discountType: 'percent',
  discountAmount: 50,
  createdAt: '2026-05-01T06:00:00.040Z',
  updatedAt: '2026-05-01T06:00:00.040Z',
  deletedAt: null,
  coupon: couponExample,
} satisfies z.infer<typeof userCouponResponse>;

const usedExample = {
  ...userCouponExample,
  productId: 'product_77',
  usedDate: '2026-05-02T10:30:00.000Z',
  updatedAt: '2026-05-02T10:30:00.000Z',
};

// The page's items point at the same named schema rather than repeating it inline.
const UserCoupon = userCouponResponse.openapi('UserCoupon');
const page = userCouponPageResponse.extend({ items: z.array(UserCoupon) });
const json = <T>(schema: z.ZodType, example: T) => ({ 'application/json': { schema, example } });

export function registerUserCouponPaths(registry: OpenAPIRegistry): void {
  const routes = [
    getUsersUserIdCoupons, postUsersUserIdCouponsUserCouponIdUse, postUsersUserIdCouponsUserCouponIdCancelUse,
    deleteUsersUserIdCouponsUserCouponId,
  ];
  for (const register of routes) register(registry);
}

function getUsersUserIdCoupons(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/v1/users/{userId}/coupons',
    tags: [TAGS.userCoupons],
    security: userAuth,
    summary: "A user's coupons",
    description:
      'Not deleted, not expired, newest id first, ids below `cursor`. `nextCursor` is the cursor of the next page, '
      + 'null on the last one.',
    request: { params: userParams, query: listQuery },
    responses: {
      200: { description: 'One page', content: json(page, { items: [userCouponExample], nextCursor: 287290 }) },
      ...problemResponses(['validation_failed', ...USER_ERRORS, ...SERVER_ERRORS]),
    },
  });
}

function postUsersUserIdCouponsUserCouponIdUse(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/users/{userId}/coupons/{userCouponId}/use',
    tags: [TAGS.userCoupons],
    security: userAuth,
    summary: 'Use a user coupon on a product',
    description:
      'Of concurrent calls on one user coupon exactly one succeeds. With an `Idempotency-Key`, a retry of a use that '
      + 'succeeded gets its 200 again rather than 409 `already_used`.',
    request: {
      params: userCouponParams,
      headers: idempotencyHeaders,
      body: { required: true, content: json(useUserCouponBody, { couponId: 4, productId: 'product_77' }) },
    },
    responses: {
      200: { description: 'The used user coupon', headers: replayedHeader, content: json(UserCoupon, usedExample) },
      ...problemResponses([
        ...BODY_ERRORS, 'user_coupon_not_found', 'coupon_mismatch', 'already_used', 'user_coupon_expired',
        ...IDEMPOTENCY_ERRORS, ...USER_ERRORS, ...SERVER_ERRORS,
      ]),
    },
  });
}

function postUsersUserIdCouponsUserCouponIdCancelUse(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/users/{userId}/coupons/{userCouponId}/cancel-use',
    tags: [TAGS.userCoupons],
    security: userAuth,
    summary: 'Cancel the use of a user coupon',
    description: 'With an `Idempotency-Key`, a retry gets the first answer again.',
    request: {
      params: userCouponParams,
      headers: idempotencyHeaders,
      body: { required: true, content: json(cancelUseUserCouponBody, { couponId: 4 }) },
    },
    responses: {
      200: {
        description: 'The user coupon, `productId` and `usedDate` null again',
        headers: replayedHeader,
        content: json(UserCoupon, userCouponExample),
      },
      ...problemResponses([
        ...BODY_ERRORS, 'user_coupon_not_found', 'coupon_mismatch', 'not_used', 'user_coupon_expired',
        ...IDEMPOTENCY_ERRORS, ...USER_ERRORS, ...SERVER_ERRORS,
      ]),
    },
  });
}

function deleteUsersUserIdCouponsUserCouponId(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'delete',
    path: '/v1/users/{userId}/coupons/{userCouponId}',
    tags: [TAGS.userCoupons],
    security: userAuth,
    summary: 'Delete a user coupon',
    description:
      'A soft delete. It does not let the user be issued the same coupon again. With an `Idempotency-Key` (the `couponId` '
      + 'query counts as the body), a retry gets the 200 again rather than 404.',
    request: { params: userCouponParams, query: deleteUserCouponQuery, headers: idempotencyHeaders },
    responses: {
      200: {
        description: 'The user coupon with `deletedAt` set',
        headers: replayedHeader,
        content: json(UserCoupon, { ...userCouponExample, deletedAt: '2026-05-03T00:00:00.000Z' }),
      },
      ...problemResponses(['validation_failed', 'user_coupon_not_found', 'coupon_mismatch', ...IDEMPOTENCY_ERRORS, ...USER_ERRORS, ...SERVER_ERRORS]),
    },
  });
}
