// What one BullMQ queue's shard carries: persist-batch jobs of 1, 5, 10, 50 and 100 issuances
// (QUEUE_GROUP_SIZE) added as the API adds them (enqueueBatch, from many groups at once) and
// processed by a Worker with the service's options (concurrency, lock, stalled checks,
// metrics, removeOnComplete) whose handler only re-parses the payload. The Redis CPU per
// job (add + move to active + move to finished) gives the jobs/s, and so the issuances/s, one
// queue can carry per Redis core; memory per waiting job comes from INFO used_memory.
//
//   pnpm exec tsx loadtest/capacity/queue.ts
//   CAPACITY_GROUPS=1,100 CAPACITY_JOBS=5000 pnpm exec tsx loadtest/capacity/queue.ts
import { MetricsTime, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  ISSUANCE_QUEUE, createIssuanceQueue, createQueueConnection, enqueueBatch, jobCatalog, newIssuanceId, type IssuanceItem,
} from '@coupon/issuance';
import { cpuSecondsOf, fmt, issuanceItem, measure, printHeader, runTag, startPrivateRedis, userId, type PrivateRedis } from './support';

const GROUPS = (process.env.CAPACITY_GROUPS ?? '1,5,10,50,100').split(',').map(Number);
/** persist-batch jobs added and processed per group size. */
const JOBS = Number(process.env.CAPACITY_JOBS ?? 5000);
const ADDERS = 16; // groups being enqueued at once, as many API processes flush theirs
const PREFIX = '{coupon-bull}';

interface Row {
  group: number; jobs: number; addUs: number; processUs: number; bytesPerJob: number;
  workerUs: number; keptBytes: number; addWall: number; processWall: number; load: string;
}

async function usedMemory(redis: PrivateRedis): Promise<number> {
  const connection = new Redis(redis.url);
  const info = await connection.info('memory');
  await connection.quit();
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** Runs a Worker with the service's options until `jobs` jobs have completed. */
async function processAll(redis: PrivateRedis, jobs: number): Promise<void> {
  let done = 0;
  let finished: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const schema = jobCatalog['persist-batch'].schema;
  const connection = createQueueConnection(redis.url, true);
  const worker = new Worker(ISSUANCE_QUEUE, async (job) => {
    const data = schema.parse(job.data); // the service's dispatcher re-parses every payload
    return { issued: data.items.length, sold_out: 0, already_holds_coupon: 0 };
  }, {
    connection, prefix: PREFIX, concurrency: 32,
    lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 1000, metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
  });
  worker.on('completed', () => {
    if (++done === jobs) finished();
  });
  await allDone;
  await worker.close();
  connection.disconnect(); // a connection handed to BullMQ is ours to close
}

async function oneGroupSize(group: number): Promise<Row> {
  const redis = await startPrivateRedis();
  const producer = createQueueConnection(redis.url);
  const queue = createIssuanceQueue(producer, PREFIX);
  const tag = runTag();
  // built as they are added: the CPU that counts here is Redis's, not ours
  const groupOf = (j: number): IssuanceItem[] => Array.from({ length: group }, (_, k) => {
    const n = j * group + k;
    return issuanceItem(1 + (n % 1000), userId(tag, n), n + 1, newIssuanceId(1 + (n % 1000)));
  });
  try {
    await queue.waitUntilReady();
    const memoryBefore = await usedMemory(redis);
    let next = 0;
    const added = await measure({ redis: () => cpuSecondsOf(redis.pid) }, async () => {
      await Promise.all(Array.from({ length: ADDERS }, async () => {
        for (let j = next++; j < JOBS; j = next++) await enqueueBatch(queue, groupOf(j));
      }));
    });
    const memoryWaiting = await usedMemory(redis);

    const processed = await measure({ redis: () => cpuSecondsOf(redis.pid) }, () => processAll(redis, JOBS));
    const memoryDone = await usedMemory(redis);
    const row: Row = {
      group, jobs: JOBS, load: processed.load,
      addUs: (added.cpu.redis! * 1e6) / JOBS,
      processUs: (processed.cpu.redis! * 1e6) / JOBS,
      workerUs: (processed.clientCpuSeconds * 1e6) / JOBS,
      bytesPerJob: (memoryWaiting - memoryBefore) / JOBS,
      keptBytes: memoryDone - memoryBefore,
      addWall: added.wallSeconds, processWall: processed.wallSeconds,
    };
    console.log(`  group ${group}: ${fmt(JOBS)} jobs, redis ${row.addUs.toFixed(0)} µs/add + ${row.processUs.toFixed(0)} µs/process, ` +
      `${fmt(row.bytesPerJob)} B/waiting job, load ${row.load}`);
    return row;
  } finally {
    await queue.close();
    producer.disconnect();
    await redis.stop();
  }
}

async function main() {
  printHeader(`BullMQ persist-batch jobs on one Redis (${fmt(JOBS)} jobs per group size)`);
  const rows: Row[] = [];
  for (const group of GROUPS) rows.push(await oneGroupSize(group));
  console.log('\n| group size | jobs | redis CPU µs/job: add | process (active + finished) | total | jobs/s per Redis core | issuances/s per Redis core | ' +
    'worker CPU µs/job | bytes per waiting job (per issuance) | MB kept once all completed | jobs/s (wall: add, process) | load average |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const total = r.addUs + r.processUs;
    console.log(`| ${r.group} | ${fmt(r.jobs)} | ${r.addUs.toFixed(0)} | ${r.processUs.toFixed(0)} | ${total.toFixed(0)} | ` +
      `${fmt(1e6 / total)} | ${fmt((1e6 / total) * r.group)} | ${r.workerUs.toFixed(0)} | ${fmt(r.bytesPerJob)} (${fmt(r.bytesPerJob / r.group)}) | ${(r.keptBytes / 1e6).toFixed(1)} | ` +
      `${fmt(r.jobs / r.addWall)}, ${fmt(r.jobs / r.processWall)} | ${r.load} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
