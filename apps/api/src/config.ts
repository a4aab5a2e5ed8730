import { availableParallelism } from 'node:os';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
// the subpath, not the whole package: the cluster primary reads this config and should not load ioredis
import { commonEnv, durabilityEnv, parseEnv } from '@coupon/runtime/env';
import {
  ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, JWS_ALGORITHMS, algorithmsForPublicKey, parseAlgorithmList, parsePublicKey,
} from './http/jwt-keys';

/** Lets `pnpm start` work out of the box; the API warns at start while it is in use. */
export const DEFAULT_ADMIN_TOKEN = 'change-me-admin-token';

// `NAME=` in an env file means unset, not an empty value to validate
const unsetWhenEmpty = <T extends z.ZodType>(schema: T) => schema.optional().or(z.literal('').transform(() => undefined));

const apiEnv = {
  ...commonEnv,
  ...durabilityEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** API processes sharing the port (node:cluster); 1 runs a single process. Default: the core count. */
  API_PROCESSES: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
  ADMIN_TOKEN: z.string().min(8, 'must be at least 8 characters').default(DEFAULT_ADMIN_TOKEN),
  /** How long a settled issuance stays readable in Redis before reads fall back to PostgreSQL. */
  ISSUANCE_RECORD_TTL_SECONDS: z.coerce.number().int().positive().default(7 * 24 * 3600),
  /** Connections to PostgreSQL per API process; the hot path does not use PostgreSQL. */
  DB_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /** How long shutdown waits for in-flight requests before closing their sockets. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** Whether to run migrations at start (api and worker both do; an advisory lock orders them). */
  MIGRATE_ON_START: z.stringbool().default(true),
  /** Accepted issuances per queue job: a group is enqueued once it holds this many... */
  QUEUE_GROUP_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** ...or this long after its first issuance (each 202 waits at most this for its group). */
  QUEUE_GROUP_WAIT_MS: z.coerce.number().int().min(0).max(1000).default(2),
  /** Who may act for a user (API.md "AUTH_MODE"): `trusted` (a gateway authenticated the user) or `jwt`. */
  AUTH_MODE: z.enum(['trusted', 'jwt']).default('trusted'),
  /** jwt: exactly one key source. A JWKS is fetched, cached and re-fetched on an unknown `kid`. */
  JWT_JWKS_URL: unsetWhenEmpty(z.url({ protocol: /^https?$/ })),
  /** jwt: a PEM public key (SPKI) or a public JWK in JSON. */
  JWT_PUBLIC_KEY: unsetWhenEmpty(z.string()),
  /** jwt: an HMAC secret (HS256/384/512), at least 32 characters. */
  JWT_SECRET: unsetWhenEmpty(z.string().min(32, 'must be at least 32 characters')),
  /** jwt: comma-separated subset of the algorithms the key allows; default all of them. */
  JWT_ALGORITHMS: unsetWhenEmpty(z.string()),
  JWT_ISSUER: unsetWhenEmpty(z.string().min(1)),
  JWT_AUDIENCE: unsetWhenEmpty(z.string().min(1)),
  /** Leeway for `exp` and `nbf` against clock skew between the token's issuer and this host. */
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  /** How long a fetched JWKS is used before it is fetched again (a key removed from it stops after this). */
  JWT_JWKS_CACHE_MS: z.coerce.number().int().min(0).default(600_000),
  /** The least time between two fetches of the JWKS caused by tokens with an unknown `kid`. */
  JWT_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
  /** Verified tokens remembered per process (by the token string, until `exp`, at most 60 s); 0 turns it off. */
  JWT_TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).default(10_000),
  /** Issue requests per user per second (all processes together); 0 turns the limit off. */
  RATE_LIMIT_USER_ISSUE: z.coerce.number().int().min(0).default(5),
  /** Requests per client address per second on /v1 and /admin; 0 (the default) turns it off. */
  RATE_LIMIT_IP: z.coerce.number().int().min(0).default(0),
  /** The limiters' Redis (one server); unset, they share the API's Redis connection. */
  RATE_LIMIT_REDIS_URL: unsetWhenEmpty(z.url({ protocol: /^rediss?$/ })),
  /** Proxies whose X-Forwarded-For is believed: a hop count, or addresses/CIDRs/`loopback`, comma-separated. */
  TRUST_PROXY: z.string().default(''),
  /** How long a request's response is kept for retries with the same Idempotency-Key (API.md: 24 h). */
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().positive().default(24 * 3600),
  /**
   * The lease on an Idempotency-Key while its first request runs, renewed every third of it:
   * the time after which the key of a process that died mid-request is free again.
   */
  IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(100).default(10_000),
  /**
   * Fault injection for the crash tests: SIGKILL this process after a reservation, before its
   * enqueue (after-reserve), or once an Idempotency-Key is leased, before the work (after-idempotency-claim).
   */
  FAULT_CRASH_AT: z.enum(['after-reserve', 'after-idempotency-claim']).optional(),
};

export type ApiConfig = z.infer<z.ZodObject<typeof apiEnv>>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(apiEnv, env, checkAuth);
}

const JWT_KEYS = ['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET'] as const;
const JWT_OPTIONS = [...JWT_KEYS, 'JWT_ALGORITHMS', 'JWT_ISSUER', 'JWT_AUDIENCE'] as const;

/** The rules between the auth variables: an incomplete or ambiguous set is refused at start. */
function checkAuth(config: ApiConfig, ctx: z.RefinementCtx): void {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  checkTrustProxy(String(config.TRUST_PROXY ?? ''), problem);
  if (config.AUTH_MODE === 'trusted') {
    // a key without AUTH_MODE=jwt would silently verify nothing
    for (const name of JWT_OPTIONS.filter((n) => config[n] !== undefined)) {
      problem(name, 'is set but AUTH_MODE is trusted: set AUTH_MODE=jwt, or unset it');
    }
  } else if (config.AUTH_MODE === 'jwt') {
    const keys = JWT_KEYS.filter((n) => config[n] !== undefined);
    if (keys.length === 0) problem('AUTH_MODE', `jwt needs one of ${JWT_KEYS.join(', ')}`);
    if (keys.length > 1) problem(keys[1]!, `set only one of ${keys.join(', ')}`);
    const allowed = allowedAlgorithms(config, problem);
    for (const alg of parseAlgorithmList(config.JWT_ALGORITHMS) ?? []) {
      if (!(JWS_ALGORITHMS as readonly string[]).includes(alg)) problem('JWT_ALGORITHMS', `${alg} is not one of ${JWS_ALGORITHMS.join(', ')}`);
      else if (allowed && !allowed.includes(alg)) problem('JWT_ALGORITHMS', `${alg} cannot be used with the configured key (${allowed.join(', ')})`);
    }
  }
}

function checkTrustProxy(value: string, problem: (path: string, message: string) => void): void {
  if (value.trim().toLowerCase() === 'true') {
    problem('TRUST_PROXY', 'trusting every address lets any client choose its own; name the proxies or give a hop count');
    return;
  }
  try {
    trustProxySetting(value);
  } catch (error) {
    problem('TRUST_PROXY', (error as Error).message);
  }
}

function allowedAlgorithms(config: ApiConfig, problem: (path: string, message: string) => void): readonly string[] | null {
  if (config.JWT_SECRET !== undefined) return HMAC_ALGORITHMS;
  if (config.JWT_JWKS_URL !== undefined) return ASYMMETRIC_ALGORITHMS;
  if (config.JWT_PUBLIC_KEY === undefined) return null;
  try {
    return algorithmsForPublicKey(parsePublicKey(config.JWT_PUBLIC_KEY));
  } catch (error) {
    problem('JWT_PUBLIC_KEY', `${(error as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** TRUST_PROXY as express's 'trust proxy' setting: false, a hop count, or a list checked by proxy-addr. */
export function trustProxySetting(value: string): false | number | string[] {
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  proxyAddr.compile(list); // throws on an address or range it cannot read
  return list;
}

export { apiEnv };
