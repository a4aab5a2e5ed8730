import { z } from '../http/zod';
import { opaqueId } from '../http/schemas';

export const issueBody = z.strictObject({ userId: opaqueId });

/** `?wait=N`: long poll up to N seconds (0 answers at once, as without it). */
export const waitQuery = z
  .string()
  .regex(/^(?:[0-9]|1[0-9]|20)$/, 'must be an integer from 0 to 20')
  .transform(Number)
  .optional();

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
