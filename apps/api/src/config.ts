import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { commonEnv, durabilityEnv, parseEnv } from '@coupon/runtime';

/** Lets `pnpm start` work out of the box; the API warns at start while it is in use. */
export const DEFAULT_ADMIN_TOKEN = 'change-me-admin-token';

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
  /** Whether to run migrations at start (api and worker both do; an advisory lock orders them). */
  /** How long shutdown waits for in-flight requests before closing their sockets. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  MIGRATE_ON_START: z.stringbool().default(true),
  /** Fault injection for the crash tests: SIGKILL this process after a reservation, before its enqueue. */
  FAULT_CRASH_AT: z.enum(['after-reserve']).optional(),
};

export type ApiConfig = z.infer<z.ZodObject<typeof apiEnv>>;

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(apiEnv, env);
}

export { apiEnv };
