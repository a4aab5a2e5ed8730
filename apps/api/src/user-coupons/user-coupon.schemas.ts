import { z } from '../http/zod';
import { DISCOUNT_TYPES } from '@coupon/domain';
import { couponResponse } from '../coupons/coupon.schemas';
import { idParam, opaqueId, positiveInt4 } from '../http/schemas';

export const PAGE_LIMIT_DEFAULT = 20;
export const PAGE_LIMIT_MAX = 100;

/** `?limit=20&cursor=<userCouponId>`: the page holds ids below the cursor, newest first. */
export const listUserCouponsQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, `must be an integer between 1 and ${PAGE_LIMIT_MAX}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= PAGE_LIMIT_MAX, `must be an integer between 1 and ${PAGE_LIMIT_MAX}`)
    .default(PAGE_LIMIT_DEFAULT),
  cursor: idParam.optional(),
});

export const useUserCouponBody = z.strictObject({ couponId: positiveInt4, productId: opaqueId });
export const cancelUseUserCouponBody = z.strictObject({ couponId: positiveInt4 });
export const deleteUserCouponQuery = z.object({ couponId: idParam });

export type ListUserCouponsQuery = z.infer<typeof listUserCouponsQuery>;

export const userCouponResponse = z.object({
  id: z.number().int(),
  userId: z.string(),
  couponId: z.number().int(),
  sequence: z.number().int(),
  productId: z.string().nullable(),
  giveDate: z.string(),
  usedDate: z.string().nullable(),
  expireDate: z.string(),
  discountType: z.enum(DISCOUNT_TYPES),
  discountAmount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
  coupon: couponResponse,
});

export const userCouponPageResponse = z.object({
  items: z.array(userCouponResponse),
  nextCursor: z.number().int().nullable(),
});

export type UserCouponResponse = z.infer<typeof userCouponResponse>;
export type UserCouponPageResponse = z.infer<typeof userCouponPageResponse>;
