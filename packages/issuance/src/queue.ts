import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, type RedisTarget } from '@coupon/runtime';
import { ISSUANCE_QUEUE, RECONCILE_QUEUE, jobCatalog, type IssuanceItem, type PersistBatchJob } from './jobs';

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

export function createIssuanceQueue(connection: Redis, prefix: string): Queue<PersistBatchJob> {
  return new Queue<PersistBatchJob>(ISSUANCE_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: jobCatalog['persist-batch'].options,
  });
}

export function createReconcileQueue(connection: Redis, prefix: string): Queue {
  return new Queue(RECONCILE_QUEUE, { connection, prefix, defaultJobOptions: jobCatalog.reconcile.options });
}

/**
 * The job id is derived from the issuances it carries, so adding the same group twice (a
 * retried add, two reconcilers finding the same orphans) is a no-op. No ':' (BullMQ's separator).
 */
export function batchJobId(items: Pick<IssuanceItem, 'issuanceId'>[]): string {
  const hash = createHash('sha1');
  for (const item of items) hash.update(item.issuanceId).update(',');
  return `batch-${hash.digest('hex')}`;
}

export function batchData(items: IssuanceItem[]): PersistBatchJob {
  return { coupons: [...new Set(items.map((i) => i.couponId))], count: items.length, items };
}

/** One BullMQ job for a whole group of accepted issuances. */
export function enqueueBatch(queue: Queue<PersistBatchJob>, items: IssuanceItem[]) {
  return queue.add('persist-batch', batchData(items), { jobId: batchJobId(items) });
}
