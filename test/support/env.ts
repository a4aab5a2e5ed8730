import { createTestDatabase, type TestDatabase } from './database';
import { createTestRedis, type TestRedis } from './redis';
import { TEST_REDIS_URL } from './servers';

export const ADMIN_TOKEN = 'test-admin-token';

/**
 * Recovery settings short enough for a test to watch them act: a dead worker's jobs are
 * retried after ~3 s, the reconciler runs every second and re-enqueues an orphan after 3 s.
 */
export const FAST_RECOVERY = {
  WORKER_LOCK_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  RECONCILE_INTERVAL_MS: '1000',
  RECONCILE_PENDING_AGE_MS: '3000',
  BATCH_WAIT_MS: '10',
};

/** One test file's private slice of the shared servers: a database and key prefixes. */
export interface TestEnv {
  database: TestDatabase;
  redis: TestRedis;
  /** Environment for an api or worker process (in-process or spawned) bound to this slice. */
  vars: Record<string, string>;
  close(): Promise<void>;
}

export async function createTestEnv(): Promise<TestEnv> {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  return {
    database,
    redis,
    vars: {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: redis.keyPrefix,
      QUEUE_PREFIX: redis.queuePrefix,
      ADMIN_TOKEN,
      LOG_LEVEL: 'silent',
      MIGRATE_ON_START: 'false',
      API_PROCESSES: '1',
      // other suites send bursts from one user on purpose (races, properties); the limit's
      // own tests (test/auth/rate-limit.test.ts) turn it on
      RATE_LIMIT_USER_ISSUE: '0',
    },
    async close() {
      await redis.cleanup();
      await database.drop();
    },
  };
}
