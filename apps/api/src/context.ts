import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { createDb, type Database } from '@coupon/db';
import {
  createIssuanceQueue, createQueueConnection, defineIssuanceCommands, type PersistIssuanceJob,
} from '@coupon/issuance';
import { createLogger, createRedis, type Logger } from '@coupon/runtime';
import type { ApiConfig } from './config';
import { createApiMetrics, type ApiMetrics } from './ops/metrics';

/** Everything a request handler may touch, created once per process. */
export interface ApiContext {
  config: ApiConfig;
  db: Kysely<Database>;
  redis: Redis;
  queueConnection: Redis;
  issuanceQueue: Queue<PersistIssuanceJob>;
  log: Logger;
  metrics: ApiMetrics;
}

export function createApiContext(config: ApiConfig): ApiContext {
  const redis = defineIssuanceCommands(createRedis(config.REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX }));
  const queueConnection = createQueueConnection(config.REDIS_URL);
  return {
    config,
    db: createDb(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: 'coupon-api' }),
    redis,
    queueConnection,
    issuanceQueue: createIssuanceQueue(queueConnection, config.QUEUE_PREFIX),
    log: createLogger('api', config.LOG_LEVEL),
    metrics: createApiMetrics(),
  };
}

export async function closeApiContext(ctx: ApiContext): Promise<void> {
  await ctx.issuanceQueue.close().catch(() => {});
  ctx.queueConnection.disconnect();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
