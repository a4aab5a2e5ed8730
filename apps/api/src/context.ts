import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { createDb, type Database } from '@coupon/db';
import {
  createIssuanceQueue, createQueueConnection, createReconcileQueue, defineIssuanceCommands, type PersistIssuanceJob,
} from '@coupon/issuance';
import { createLogger, createRedis, redisTarget, type Logger } from '@coupon/runtime';
import type { ApiConfig } from './config';
import { createRateLimits, type RateLimits } from './http/rate-limit';
import { createUserAuth, type UserAuth } from './http/user-auth';
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
  /** Who may act for a user (AUTH_MODE), applied per route. */
  auth: UserAuth;
  limits: RateLimits;
  /** The limiters' connection: `redis` itself unless RATE_LIMIT_REDIS_URL names another server. */
  rateLimitRedis: Redis;
}

export function createApiContext(config: ApiConfig): ApiContext {
  const redis = defineIssuanceCommands(createRedis(redisTarget(config), { keyPrefix: config.REDIS_KEY_PREFIX }));
  const queueConnection = createQueueConnection(redisTarget(config));
  const log = createLogger('api', config.LOG_LEVEL);
  const metrics = createApiMetrics();
  // its own server only when named: a limiter check waits at most 500 ms for it, then falls back
  const rateLimitRedis = config.RATE_LIMIT_REDIS_URL
    ? createRedis(config.RATE_LIMIT_REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX, commandTimeout: 500 })
    : redis;
  return {
    config,
    db: createDb(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: 'coupon-api' }),
    redis,
    queueConnection,
    issuanceQueue: createIssuanceQueue(queueConnection, config.QUEUE_PREFIX),
    reconcileQueue: createReconcileQueue(queueConnection, config.QUEUE_PREFIX),
    log,
    metrics,
    auth: createUserAuth(config, log),
    limits: createRateLimits({ config, redis: rateLimitRedis, log, metrics }),
    rateLimitRedis,
  };
}

export async function closeApiContext(ctx: ApiContext): Promise<void> {
  await ctx.issuanceQueue.close().catch(() => {});
  await ctx.reconcileQueue.close().catch(() => {});
  ctx.queueConnection.disconnect();
  if (ctx.rateLimitRedis !== ctx.redis) ctx.rateLimitRedis.disconnect();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
