import type { Queue } from 'bullmq';
import { enqueueBatch, type IssuanceItem, type PersistBatchJob } from '@coupon/issuance';
import { Batcher } from '@coupon/runtime';

/**
 * Collects this process's accepted reservations and enqueues each group as ONE persist-batch
 * job: a BullMQ job costs the same few scripts whatever it carries, so per issuance it was
 * most of the server's CPU. `add` resolves once the item's group is in the queue, so a 202
 * still means "queued"; it rejects with the add's error for every item of the group.
 */
export function createIssuanceGroups(queue: Queue<PersistBatchJob>, size: number, waitMs: number) {
  return new Batcher<IssuanceItem, never>(
    async (items) => {
      await enqueueBatch(queue, items);
      return [];
    },
    size,
    waitMs,
  );
}

export type IssuanceGroups = ReturnType<typeof createIssuanceGroups>;
