import { z } from 'zod';
import { opaqueId } from '../http/schemas';

export const issueBody = z.strictObject({ userId: opaqueId });

export const issuanceResponse = z.object({
  issuanceId: z.string(),
  couponId: z.number().int(),
  userId: z.string(),
  status: z.enum(['pending', 'issued', 'failed']),
  sequence: z.number().int(),
  userCouponId: z.number().int().nullable(),
  requestedAt: z.string(),
  issuedAt: z.string().nullable(),
  failureReason: z.string().nullable(),
  /** Accepted issuances of the same coupon still waiting ahead of this one; null once settled. */
  queuePosition: z.number().int().nullable(),
});

export type IssuanceResponse = z.infer<typeof issuanceResponse>;
