import type { z } from './zod';
import { validationError } from '@coupon/domain';

/** Parses one part of a request, turning every zod issue into a 400 problem entry. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || where,
      message: issue.message,
    })),
    `the ${where} is not valid`,
  );
}

