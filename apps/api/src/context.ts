import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { createDb, persistedIssuances, type Database } from '@coupon/db';
import {
  IssuanceStore, createIssuanceQueue, createQueueConnection, createReconcileQueue, defineIssuanceCommands,
  type PersistBatchJob,
} from '@coupon/issuance';
import { connectRedis, createLogger, createRedis, redisTarget, type Logger } from '@coupon/runtime';
import type { ApiConfig } from './config';
import { createCouponList, type CouponList } from './coupons/coupon-list';
import { createIssuanceGroups, type IssuanceGroups } from './issuance/issuance-groups';
import { SettlementWaiters } from './issuance/settlement-waiters';
import { createRateLimits, type RateLimits } from './http/rate-limit';
import { createUserAuth, type UserAuth } from './http/user-auth';
import { defineIdempotencyCommands } from './idempotency/idempotency.store';
import { createApiMetrics, type ApiMetrics } from './ops/metrics';

/** Everything a request handler may touch, created once per process. */
export interface ApiContext {
  config: ApiConfig;
  db: Kysely<Database>;
  redis: Redis;
  issuance: IssuanceStore;
  queueConnection: Redis;
  issuanceQueue: Queue<PersistBatchJob>;
  /** This process's reservations on their way into the queue, a group per job. */
  groups: IssuanceGroups;
  /** Long-polling clients, woken by settlement messages on one subscriber connection. */
  waiters: SettlementWaiters;
  subscriber: Redis;
  /** Shown on Bull Board; the API enqueues nothing on it. */
  reconcileQueue: Queue;
  couponList: CouponList;
  log: Logger;
  metrics: ApiMetrics;
  /** Who may act for a user (AUTH_MODE), applied per route. */
  auth: UserAuth;
  limits: RateLimits;
  /** The limiters' connection: `redis` itself unless RATE_LIMIT_REDIS_URL names another server. */
  rateLimitRedis: Redis;
}

export function createApiContext(config: ApiConfig): ApiContext {
  const redis = defineIdempotencyCommands(
    defineIssuanceCommands(createRedis(redisTarget(config), { keyPrefix: config.REDIS_KEY_PREFIX })),
  );
  const db = createDb(config.DATABASE_URL, { max: config.DB_POOL_SIZE, applicationName: 'coupon-api' });
  const issuance = new IssuanceStore(redis, persistedIssuances(db), config.ISSUANCE_RECORD_TTL_SECONDS);
  const log = createLogger('api', config.LOG_LEVEL);
  const queueConnection = createQueueConnection(redisTarget(config));
  const issuanceQueue = createIssuanceQueue(queueConnection, config.QUEUE_PREFIX);
  // a lost connection surfaces on the add that needed it (503); here it is only logged
  issuanceQueue.on('error', (err) => log.warn({ err: err.message }, 'issuance queue connection error'));
  const reconcileQueue = createReconcileQueue(queueConnection, config.QUEUE_PREFIX);
  reconcileQueue.on('error', (err) => log.warn({ err: err.message }, 'reconcile queue connection error'));
  // connected on the first long poll; channels carry no client-side key prefix
  const subscriber = connectRedis(redisTarget(config), {
    lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true, shardedSubscribers: true,
  });
  subscriber.on('error', (err) => log.warn({ err: err.message }, 'settlement subscriber connection error'));
  const metrics = createApiMetrics();
  // its own server only when named: a limiter check waits at most 500 ms for it, then falls back
  const rateLimitRedis = config.RATE_LIMIT_REDIS_URL
    ? createRedis(config.RATE_LIMIT_REDIS_URL, { keyPrefix: config.REDIS_KEY_PREFIX, commandTimeout: 500 })
    : redis;
  return {
    config,
    db,
    redis,
    issuance,
    queueConnection,
    issuanceQueue,
    groups: createIssuanceGroups({ config, queue: issuanceQueue, queueConnection, redis, metrics }),
    waiters: new SettlementWaiters(subscriber, config.REDIS_KEY_PREFIX),
    subscriber,
    reconcileQueue,
    couponList: createCouponList(db, issuance),
    log,
    metrics,
    auth: createUserAuth(config, log),
    limits: createRateLimits({ config, redis: rateLimitRedis, log, metrics }),
    rateLimitRedis,
  };
}

export async function closeApiContext(ctx: ApiContext): Promise<void> {
  // the last group goes into the queue before the connections close
  await ctx.groups.drain();
  await ctx.issuanceQueue.close().catch(() => {});
  await ctx.reconcileQueue.close().catch(() => {});
  ctx.waiters.wakeEveryone();
  ctx.queueConnection.disconnect();
  ctx.subscriber.disconnect();
  if (ctx.rateLimitRedis !== ctx.redis) ctx.rateLimitRedis.disconnect();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
