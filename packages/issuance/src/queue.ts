import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, type RedisTarget } from '@coupon/runtime';
import { ISSUANCE_QUEUE, RECONCILE_QUEUE, jobCatalog, type PersistIssuanceJob } from './jobs';

export interface QueueSettings {
  redisUrl: string;
  /** BullMQ key prefix with its own hash tag, e.g. {coupon-bull}. */
  prefix: string;
}

/**
 * BullMQ refuses an ioredis keyPrefix, so queues get their own connection. A producer
 * fails fast when Redis is down (the API answers 503) instead of buffering commands.
 * On a Redis Cluster it is a cluster client; the prefix's hash tag keeps a queue on one slot.
 */
export function createQueueConnection(target: string | RedisTarget, forWorker = false): Redis {
  return connectRedis(target, forWorker
    ? { maxRetriesPerRequest: null, enableAutoPipelining: true }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true, connectTimeout: 2000 });
}

export function createIssuanceQueue(connection: Redis, prefix: string): Queue<PersistIssuanceJob> {
  return new Queue<PersistIssuanceJob>(ISSUANCE_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: jobCatalog['persist-issuance'].options,
  });
}

export function createReconcileQueue(connection: Redis, prefix: string): Queue {
  return new Queue(RECONCILE_QUEUE, { connection, prefix, defaultJobOptions: jobCatalog.reconcile.options });
}

/** The job id is the issuance id: enqueueing the same issuance twice is a no-op. */
export function enqueuePersist(queue: Queue<PersistIssuanceJob>, data: PersistIssuanceJob) {
  return queue.add('persist-issuance', data, { jobId: data.issuanceId });
}
