import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { createDb, type Database } from '@coupon/db';
import {
  createIssuanceQueue, createQueueConnection, createReconcileQueue, defineIssuanceCommands, type PersistIssuanceJob,
} from '@coupon/issuance';
import { createLogger, createRedis, redisTarget, type Logger } from '@coupon/runtime';
import type { ApiConfig } from './config';
import { defineIdempotencyCommands } from './idempotency/idempotency.store';
import { createApiMetrics, type ApiMetrics } from './ops/metrics';

/** Everything a request handler may touch, created once per process. */
export interface ApiContext {
  config: ApiConfig;
  db: Kysely<Database>;
  redis: Redis;
  queueConnection: Redis;
  issuanceQueue: Queue<PersistIssuanceJob>;
  /** Shown on Bull Board; the API enqueues nothing on it. */
  reconcileQueue: Queue;
  log: Logger;
  metrics: ApiMetrics;
}

export function createApiContext(config: ApiConfig): ApiContext {
  const redis = defineIdempotencyCommands(
    defineIssuanceCommands(createRedis(redisTarget(config), { keyPrefix: config.REDIS_KEY_PREFIX })),
  );
  const queueConnection = createQueueConnection(redisTarget(config));
  return {
    config,
    db: createDb(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: 'coupon-api' }),
    redis,
    queueConnection,
    issuanceQueue: createIssuanceQueue(queueConnection, config.QUEUE_PREFIX),
    reconcileQueue: createReconcileQueue(queueConnection, config.QUEUE_PREFIX),
    log: createLogger('api', config.LOG_LEVEL),
    metrics: createApiMetrics(),
  };
}

export async function closeApiContext(ctx: ApiContext): Promise<void> {
  await ctx.issuanceQueue.close().catch(() => {});
  await ctx.reconcileQueue.close().catch(() => {});
  ctx.queueConnection.disconnect();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
