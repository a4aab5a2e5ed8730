// Redis memory per issuance, on a private redis-server: N reservations of ONE coupon (a sale's
// users hash, pending set and issuance records), the same after the worker's settle script
// (records then carry the verdict and an ISSUANCE_RECORD_TTL_SECONDS expiry; the pending set
// is empty), and the queue data of the same issuances waiting as persist-batch jobs of a
// given group size. From INFO used_memory deltas, with MEMORY USAGE of the keys as a check.
//
//   pnpm exec tsx loadtest/capacity/memory.ts
//   CAPACITY_RESERVATIONS=1000000 CAPACITY_GROUPS=5,100 pnpm exec tsx loadtest/capacity/memory.ts
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  IssuanceStore, couponKeys, createIssuanceQueue, createQueueConnection, defineIssuanceCommands, enqueueBatch, type IssuanceItem,
} from '@coupon/issuance';
import { fmt, memorySource, openCoupon, printHeader, runTag, startPrivateRedis, userId } from './support';

const RESERVATIONS = Number(process.env.CAPACITY_RESERVATIONS ?? 100_000);
const GROUPS = (process.env.CAPACITY_GROUPS ?? '5,100').split(',').map(Number);
const COUPON = 1;
const PREFIX = 'coupon:';

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

/** Mean MEMORY USAGE (exact: SAMPLES 0) over some keys. */
async function meanUsage(redis: Redis, keys: string[]): Promise<number> {
  const sizes = await Promise.all(keys.map((k) => redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0') as Promise<number>));
  return sizes.reduce((a, b) => a + b, 0) / sizes.length;
}

const line = (what: string, bytes: number) =>
  console.log(`| ${what} | ${fmt(bytes / 1e6, 1)} MB | ${fmt(bytes / RESERVATIONS)} B |`);

async function reserveAll(store: IssuanceStore): Promise<IssuanceItem[]> {
  const tag = runTag();
  const items: IssuanceItem[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    for (let n = next++; n < RESERVATIONS; n = next++) {
      const r = await store.reserve(COUPON, userId(tag, n));
      if (r.kind !== 'accepted') throw new Error(`reservation ${n}: ${r.kind}`);
      items.push(r.item);
    }
  }));
  return items;
}

/** The same issuances as waiting persist-batch jobs of `group`, in a queue of their own, then removed. */
async function queueData(url: string, raw: Redis, items: IssuanceItem[], group: number): Promise<void> {
  const connection = createQueueConnection(url);
  const queue = createIssuanceQueue(connection, `{capacity-g${group}}`);
  await queue.waitUntilReady();
  const before = await usedMemory(raw);
  let j = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let g = j++; g * group < items.length; g = j++) {
      // the API adds each request's id to its item
      await enqueueBatch(queue, items.slice(g * group, (g + 1) * group).map((item) => ({ ...item, requestId: randomUUID() })));
    }
  }));
  line(`queue data while waiting, groups of ${group}`, (await usedMemory(raw)) - before);
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
}

async function settleAll(store: IssuanceStore, items: IssuanceItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 500) {
    await store.settleMany(items.slice(i, i + 500).map((item, k) => ({
      item, verdict: { status: 'issued' as const, userCouponId: i + k + 1, issuedAt: Date.now() },
    })));
  }
}

async function main() {
  printHeader(`Redis memory of ${fmt(RESERVATIONS)} issuances of one coupon`);
  const server = await startPrivateRedis();
  const raw = new Redis(server.url);
  const client = defineIssuanceCommands(new Redis(server.url, { keyPrefix: PREFIX, enableAutoPipelining: true }));
  const coupon = openCoupon(COUPON);
  const store = new IssuanceStore(client, memorySource([coupon]), 7 * 86_400);
  const keys = couponKeys(COUPON);
  const recordKey = (item: IssuanceItem) => PREFIX + keys.issuance(item.issuanceId);
  try {
    await store.mirror(coupon);
    const base = await usedMemory(raw);
    const items = await reserveAll(store);
    const reserved = await usedMemory(raw);
    const sample = items.filter((_, i) => i % Math.ceil(items.length / 1000) === 0).map(recordKey);
    console.log(`user id ${items[0]!.userId.length} characters, issuance id ${items[0]!.issuanceId.length}\n`);
    console.log('| what | total | per issuance |');
    console.log('| --- | --- | --- |');
    line('reserved, pending (INFO used_memory delta)', reserved - base);
    line('  users hash (MEMORY USAGE)', await meanUsage(raw, [PREFIX + keys.users]));
    line('  pending zset (MEMORY USAGE)', await meanUsage(raw, [PREFIX + keys.pending]));
    line('  issuance record, pending (MEMORY USAGE, mean of 1,000)', (await meanUsage(raw, sample)) * RESERVATIONS);
    for (const group of GROUPS) await queueData(server.url, raw, items, group);

    const beforeSettle = await usedMemory(raw);
    await settleAll(store, items);
    const settled = await usedMemory(raw);
    line('settled (INFO used_memory delta from empty)', settled - base);
    line('  issuance record, settled with its TTL (MEMORY USAGE, mean of 1,000)', (await meanUsage(raw, sample)) * RESERVATIONS);
    line('  settling changed used_memory by', settled - beforeSettle);
    // what expiry leaves a week later
    for (let i = 0; i < items.length; i += 1000) await raw.unlink(...items.slice(i, i + 1000).map(recordKey));
    line('after the records expire (users hash and coupon keys only)', (await usedMemory(raw)) - base);
  } finally {
    raw.disconnect();
    client.disconnect();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
