import { z } from 'zod';
import { commonEnv, parseEnv } from '@coupon/runtime';

const workerEnv = {
  ...commonEnv,
  /** Port of /healthz, /readyz and /metrics (0 picks a free port). */
  WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().default('0.0.0.0'),
  /** Readiness fails when jobs wait and none has been settled for this long. */
  WORKER_STALL_MS: z.coerce.number().int().positive().default(60_000),
  /**
   * persist-batch jobs held at once. Each carries a group of issuances (QUEUE_GROUP_SIZE at
   * most), and the jobs in hand are merged into transactions of BATCH_SIZE issuances.
   */
  WORKER_CONCURRENCY: z.coerce.number().int().positive().max(1000).default(256),
  /**
   * A transaction is written when its jobs hold this many issuances... Under a backlog one
   * coupon's batches commit one after another (they lock its row), so bigger ones and more
   * jobs in hand (the next batches fill while one is written) measured faster: 4,000 and 256
   * drained 18.4-19.6k rows/s where 2,000 and 128 drained 15.8-17.4k (loadtest/RESULTS.md).
   */
  BATCH_SIZE: z.coerce.number().int().positive().max(5000).default(4000),
  /** ...or when its first job has waited this long. */
  BATCH_WAIT_MS: z.coerce.number().int().nonnegative().default(5),
  /** A job whose worker died is retried once its lock is this old (BullMQ lockDuration). */
  WORKER_LOCK_MS: z.coerce.number().int().positive().default(30_000),
  /** How often this worker looks for jobs of dead workers (BullMQ stalledInterval). */
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().positive().default(15_000),
  DB_POOL_SIZE: z.coerce.number().int().positive().default(4),
  ISSUANCE_RECORD_TTL_SECONDS: z.coerce.number().int().positive().default(7 * 24 * 3600),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(10_000),
  /** A pending issuance this old with no live job and no row is enqueued again. */
  RECONCILE_PENDING_AGE_MS: z.coerce.number().int().positive().default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(20_000),
  MIGRATE_ON_START: z.stringbool().default(true),
  /** Fault injection for the crash tests: SIGKILL this process at that point of a batch. */
  FAULT_CRASH_AT: z.enum(['before-commit', 'after-commit']).optional(),
};

export type WorkerConfig = z.infer<z.ZodObject<typeof workerEnv>>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(workerEnv, env);
}

export { workerEnv };
