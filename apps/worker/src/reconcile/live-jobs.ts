import type { Queue } from 'bullmq';

// Active jobs are at most the workers' concurrency; delayed ones are retries in backoff.
const LOOK_AT = 1000;

/**
 * When the oldest job that may still run was created (ms), or null when none is live.
 * Waiting lists are in arrival order, so their oldest is one read; active and delayed jobs
 * are few and are read whole (a delayed retry keeps its first creation time).
 */
export async function oldestLiveJobAt(queue: Queue): Promise<number | null> {
  const [oldestWaiting, inHand] = await Promise.all([
    queue.getJobs(['waiting', 'prioritized'], 0, 0, true),
    queue.getJobs(['active', 'delayed'], 0, LOOK_AT - 1),
  ]);
  const times = [...oldestWaiting, ...inHand].filter(Boolean).map((job) => job.timestamp);
  return times.length ? Math.min(...times) : null;
}
