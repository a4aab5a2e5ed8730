import { z } from 'zod';

/** Environment fields every process reads the same way. */
export const commonEnv = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/coupons'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /**
   * Seed nodes of a Redis Cluster (or Valkey cluster), `host:port,host:port`. When set, every
   * connection (issuance state and BullMQ) is a cluster client and REDIS_URL lends only its
   * credentials and TLS; unset (the default), REDIS_URL names one server.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^(\s*[^\s,:]+:\d{1,5}\s*)(,\s*[^\s,:]+:\d{1,5}\s*)*$/, 'must be host:port[,host:port...]')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Prepended to every Redis key; tests give each file its own. */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]*$/).default('coupon:'),
  /** BullMQ's key prefix; the braces make it one Redis Cluster hash slot. */
  QUEUE_PREFIX: z.string().regex(/^\{[A-Za-z0-9_.:-]+\}$/).default('{coupon-bull}'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  APP_TIMEZONE: z
    .string()
    .default('UTC')
    .refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or Asia/Seoul' }),
};

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses the environment once, reporting every problem at once rather than the first.
 * `check` adds the rules that span several variables; it runs even when some field failed
 * (so its problems are listed too), and then sees that field's raw value.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv,
  check?: (config: z.infer<z.ZodObject<S>>, ctx: z.RefinementCtx) => void,
): z.infer<z.ZodObject<S>> {
  const schema = z.object(shape);
  const result = (check ? schema.superRefine(check, { when: () => true }) : schema).safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid configuration:\n${lines.join('\n')}`);
}
