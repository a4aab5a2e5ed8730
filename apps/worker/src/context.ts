import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { createDb, persistedIssuances, type Database } from '@coupon/db';
import {
  IssuanceStore, createIssuanceQueue, createQueueConnection, createReconcileQueue, defineIssuanceCommands,
  type PersistBatchJob,
} from '@coupon/issuance';
import { createLogger, createRedis, redisTarget, type Logger } from '@coupon/runtime';
import type { WorkerConfig } from './config';
import { createWorkerMetrics, type WorkerMetrics } from './ops/metrics';

export interface WorkerContext {
  config: WorkerConfig;
  db: Kysely<Database>;
  /** Issuance state (prefixed keys, Lua commands). */
  redis: Redis;
  issuance: IssuanceStore;
  /** BullMQ's connection: no key prefix, blocking commands allowed. */
  queueConnection: Redis;
  issuanceQueue: Queue<PersistBatchJob>;
  reconcileQueue: Queue;
  log: Logger;
  metrics: WorkerMetrics;
}

export function createWorkerContext(config: WorkerConfig): WorkerContext {
  const queueConnection = createQueueConnection(redisTarget(config), true);
  const db = createDb(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: 'coupon-worker' });
  // the worker must ride out a Redis restart rather than fail fast like the API
  const redis = defineIssuanceCommands(
    createRedis(redisTarget(config), { keyPrefix: config.REDIS_KEY_PREFIX, maxRetriesPerRequest: 20, enableOfflineQueue: true }),
  );
  return {
    config,
    db,
    redis,
    issuance: new IssuanceStore(redis, persistedIssuances(db), config.ISSUANCE_RECORD_TTL_SECONDS),
    queueConnection,
    issuanceQueue: createIssuanceQueue(queueConnection, config.QUEUE_PREFIX),
    reconcileQueue: createReconcileQueue(queueConnection, config.QUEUE_PREFIX),
    log: createLogger('worker', config.LOG_LEVEL),
    metrics: createWorkerMetrics(),
  };
}

export async function closeWorkerContext(ctx: WorkerContext): Promise<void> {
  await Promise.allSettled([ctx.issuanceQueue.close(), ctx.reconcileQueue.close()]);
  ctx.queueConnection.disconnect();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
