import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { enqueueBatch, type IssuanceItem, type PersistBatchJob } from '@coupon/issuance';
import { Batcher, isClusterClient, waitForReplicas } from '@coupon/runtime';
import type { ApiConfig } from '../config';
import type { ApiMetrics } from '../ops/metrics';

/** A group whose writes too few replicas acknowledged in time (ISSUANCE_DURABILITY=replica). */
export class ReplicasBehindError extends Error {
  constructor(readonly acknowledged: number) {
    super(`only ${acknowledged} replica(s) acknowledged the group in time`);
  }
}

export interface GroupDeps {
  config: Pick<ApiConfig, 'QUEUE_GROUP_SIZE' | 'QUEUE_GROUP_WAIT_MS' | 'ISSUANCE_DURABILITY' | 'REDIS_MIN_REPLICAS' | 'REDIS_WAIT_TIMEOUT_MS'>;
  queue: Queue<PersistBatchJob>;
  /** The queue's connection (the group's last write) and the reservations' connection. */
  queueConnection: Redis;
  redis: Redis;
  metrics: ApiMetrics;
}

/**
 * Collects this process's accepted reservations and enqueues each group as ONE persist-batch
 * job: a BullMQ job costs the same few scripts whatever it carries, so per issuance it was
 * most of the server's CPU. `add` resolves once the item's group is in the queue, so a 202
 * still means "queued"; it rejects with the add's error for every item of the group.
 *
 * With replica durability the group is also committed to the replicas before anyone is
 * answered: one WAIT per group, not per request (group commit).
 */
export function createIssuanceGroups(deps: GroupDeps) {
  const { config } = deps;
  return new Batcher<IssuanceItem, never>(
    async (items) => {
      await enqueueBatch(deps.queue, items);
      if (config.ISSUANCE_DURABILITY === 'replica') await awaitReplicas(deps);
      return [];
    },
    config.QUEUE_GROUP_SIZE,
    config.QUEUE_GROUP_WAIT_MS,
  );
}

// One server (or Sentinel): the replication stream is one ordered log, so a WAIT on the
// connection that wrote last (the job's) covers the group's reservations too. A Cluster
// keeps a log per shard: the reservations' client must wait on its own shards as well.
async function awaitReplicas({ config, queueConnection, redis, metrics }: GroupDeps): Promise<void> {
  const timer = metrics.replicaWait.startTimer();
  const connections = isClusterClient(redis) ? [queueConnection, redis] : [queueConnection];
  const acks = await Promise.all(connections.map((c) => waitForReplicas(c, config.REDIS_MIN_REPLICAS, config.REDIS_WAIT_TIMEOUT_MS)));
  timer();
  const acknowledged = Math.min(...acks.map((a) => a.acknowledged));
  if (acks.every((a) => a.ok)) return;
  metrics.groupsRefusedForDurability.inc();
  throw new ReplicasBehindError(acknowledged);
}

export type IssuanceGroups = ReturnType<typeof createIssuanceGroups>;
