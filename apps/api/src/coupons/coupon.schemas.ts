import { z } from '../http/zod';
import { COUPON_TYPES, DISCOUNT_TYPES, INT4_MAX } from '@coupon/domain';
import { text, timestampInput } from '../http/schemas';

const couponFields = {
  name: text.min(1).max(100),
  type: z.enum(COUPON_TYPES),
  count: z.number().int().min(0).max(INT4_MAX).openapi({
    description: '`limited`: the stock, ≥ 1; `unlimited`: 0 (or omitted)',
  }),
  startDate: timestampInput,
  endDate: timestampInput,
  expireMinute: z.number().int().min(1).max(INT4_MAX),
  discountType: z.enum(DISCOUNT_TYPES),
  discountAmount: z.number().int().min(1).max(INT4_MAX),
};

export const createCouponBody = z.strictObject({
  ...couponFields,
  count: couponFields.count.optional(),
});

/**
 * Any subset of the create fields; `count` adds stock and may be 0. A negative count gets
 * past this schema on purpose: the domain answers it with 422 invalid_count (API.md), while
 * the document states the range a client should send.
 */
export const updateCouponBody = z.strictObject({
  ...couponFields,
  count: z.number().int().max(INT4_MAX).openapi({
    minimum: 0,
    description: 'stock to **add** (≥ 0; stock never shrinks); must be 0 for an `unlimited` coupon. Otherwise 422 `invalid_count`',
  }),
}).partial();

export type CreateCouponBody = z.infer<typeof createCouponBody>;
export type UpdateCouponBody = z.infer<typeof updateCouponBody>;

export const couponResponse = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.enum(COUPON_TYPES),
  count: z.number().int(),
  remainingStock: z.number().int().nullable(),
  issuedCount: z.number().int(),
  startDate: z.string(),
  endDate: z.string(),
  expireMinute: z.number().int(),
  discountType: z.enum(DISCOUNT_TYPES),
  discountAmount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
}).openapi('Coupon');

export const couponListResponse = z.object({ coupons: z.array(couponResponse) });

/** The coupon's state right after one create, update or delete. */
export const couponHistoryEntry = z.object({
  id: z.number().int(),
  couponId: z.number().int(),
  description: z.enum(['created', 'updated', 'deleted']),
  name: z.string(),
  type: z.enum(COUPON_TYPES),
  count: z.number().int(),
  startDate: z.string(),
  endDate: z.string(),
  expireMinute: z.number().int(),
  discountType: z.enum(DISCOUNT_TYPES),
  discountAmount: z.number().int(),
  deletedAt: z.string().nullable(),
  createdAt: z.string(),
}).openapi('CouponHistoryEntry');

export const couponHistoryResponse = z.object({ history: z.array(couponHistoryEntry) });

export type CouponResponse = z.infer<typeof couponResponse>;
export type CouponHistoryEntry = z.infer<typeof couponHistoryEntry>;
