import { z } from './zod';
import { INT4_MAX } from '@coupon/domain';

// Request primitives shared by every feature; response schemas live with their feature.

/** A positive int4 as a path or query string: `abc`, `0` and 2^31 are 400, never a database error. */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .refine((n) => n <= INT4_MAX, 'must be at most 2147483647');

export const positiveInt4 = z.number().int().min(1).max(INT4_MAX);

// A lone surrogate: JSON.parse makes one of "\ud800", and UTF-8 (PostgreSQL, the response) cannot carry it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Every text field: PostgreSQL refuses NUL in text (a 500, were it let through), and a lone
 * surrogate would be stored as U+FFFD, so what the API returned would differ from what was sent.
 */
export const text = z
  .string()
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL (U+0000)')
  .refine((s) => !LONE_SURROGATE.test(s), 'must not contain an unpaired surrogate');

/** userId, productId: `.` and `..` are path segments that clients rewrite, so they are refused. */
export const opaqueId = text
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ -')
  .refine((s) => s !== '.' && s !== '..', "must not be '.' or '..'");

/** ISO 8601; converted to an instant by the route with APP_TIMEZONE when it has no offset. */
export const timestampInput = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'must be an ISO 8601 timestamp');
