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
  REDIS_CLUSTER_NODES: hostPorts(),
  /**
   * Sentinels watching the primary, `host:port,host:port`. When set, every connection asks
   * them where the primary of REDIS_SENTINEL_MASTER is (and asks again after a failover);
   * REDIS_URL then lends only its credentials, TLS and database number.
   */
  REDIS_SENTINELS: hostPorts(),
  /** The name the sentinels monitor the primary under (`sentinel monitor <name> ...`). */
  REDIS_SENTINEL_MASTER: optionalText(),
  /** The sentinels' own password (`requirepass` in sentinel.conf), when they have one. */
  REDIS_SENTINEL_PASSWORD: optionalText(),
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

/**
 * What an issuance's 202 rests on, read by the API (its group flush sends the WAIT):
 * `local` answers once the primary has the reservation; `replica` answers only once
 * REDIS_MIN_REPLICAS replicas acknowledged it, within REDIS_WAIT_TIMEOUT_MS, else 503.
 */
export const durabilityEnv = {
  ISSUANCE_DURABILITY: z.enum(['local', 'replica']).default('local'),
  REDIS_MIN_REPLICAS: z.coerce.number().int().min(1).max(16).default(1),
  /**
   * How long one WAIT may hold a group's answers. A healthy replica acknowledges within a
   * round trip (well under 1 ms on loopback, ~1 ms across a data centre), so 250 ms leaves
   * room for a replica's own short stalls (a fork for a snapshot, a slow fsync) without
   * refusing anyone, and still answers 503 long before a client's own timeout (seconds)
   * when the replica is gone. Never 0: WAIT 0 would block until replicas answer.
   */
  REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).default(250),
};

function hostPorts() {
  return z
    .string()
    .regex(/^(\s*[^\s,:]+:\d{1,5}\s*)(,\s*[^\s,:]+:\d{1,5}\s*)*$/, 'must be host:port[,host:port...]')
    .optional()
    .or(z.literal('').transform(() => undefined));
}

function optionalText() {
  return z.string().optional().transform((v) => (v === '' ? undefined : v));
}

/** Settings that are each valid but contradict one another: the process must not start. */
export function redisTopologyProblems(config: {
  REDIS_CLUSTER_NODES?: string; REDIS_SENTINELS?: string; REDIS_SENTINEL_MASTER?: string;
}): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (config.REDIS_SENTINELS && config.REDIS_CLUSTER_NODES) {
    problems.push({ path: 'REDIS_SENTINELS', message: 'set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both (a Redis Cluster fails over by itself)' });
  }
  if (config.REDIS_SENTINELS && !config.REDIS_SENTINEL_MASTER) {
    problems.push({ path: 'REDIS_SENTINEL_MASTER', message: 'required with REDIS_SENTINELS: the name the sentinels monitor the primary under' });
  }
  if (config.REDIS_SENTINEL_MASTER && !config.REDIS_SENTINELS) {
    problems.push({ path: 'REDIS_SENTINELS', message: 'required with REDIS_SENTINEL_MASTER: the sentinels to ask (host:port,...)' });
  }
  return problems;
}

// the only check of APP_TIMEZONE: the domain's parseTimestamp relies on a zone that passed it
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
  const issues = result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  // read from the raw values, so that one run reports these alongside any other problem
  if ('REDIS_SENTINELS' in shape) issues.push(...redisTopologyProblems(topologyOf(env)));
  if (result.success && issues.length === 0) return result.data;
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
  throw new Error(`invalid configuration:\n${lines.join('\n')}`);
}

function topologyOf(env: NodeJS.ProcessEnv) {
  const set = (v: string | undefined) => (v ? v : undefined);
  return {
    REDIS_CLUSTER_NODES: set(env.REDIS_CLUSTER_NODES),
    REDIS_SENTINELS: set(env.REDIS_SENTINELS),
    REDIS_SENTINEL_MASTER: set(env.REDIS_SENTINEL_MASTER),
  };
}
