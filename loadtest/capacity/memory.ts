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

async function main() {
  printHeader(`Redis memory of ${fmt(RESERVATIONS)} issuances of one coupon`);
  const server = await startPrivateRedis();
  const raw = new Redis(server.url);
  const client = defineIssuanceCommands(new Redis(server.url, { keyPrefix: PREFIX, enableAutoPipelining: true }));
  const coupon = openCoupon(COUPON);
  const store = new IssuanceStore(client, memorySource([coupon]), 7 * 86_400);
  const keys = couponKeys(COUPON);
  const line = (what: string, bytes: number, per: number) =>
    console.log(`| ${what} | ${fmt(bytes / 1e6, 1)} MB | ${fmt(bytes / per)} B |`);
  try {
    await store.mirror(coupon);
    const base = await usedMemory(raw);
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
    const reserved = await usedMemory(raw);
    const sample = items.filter((_, i) => i % Math.ceil(items.length / 1000) === 0).map((i) => PREFIX + keys.issuance(i.issuanceId));
    const usersBytes = await meanUsage(raw, [PREFIX + keys.users]);
    const pendingBytes = await meanUsage(raw, [PREFIX + keys.pending]);
    const pendingRecord = await meanUsage(raw, sample);
    console.log(`user id ${items[0]!.userId.length} characters, issuance id ${items[0]!.issuanceId.length}\n`);
    console.log('| what | total | per issuance |');
    console.log('| --- | --- | --- |');
    line('reserved, pending (INFO used_memory delta)', reserved - base, RESERVATIONS);
    line('  users hash (MEMORY USAGE)', usersBytes, RESERVATIONS);
    line('  pending zset (MEMORY USAGE)', pendingBytes, RESERVATIONS);
    line('  issuance record, pending (MEMORY USAGE, mean of 1,000)', pendingRecord * RESERVATIONS, RESERVATIONS);

    for (const group of GROUPS) {
      const connection = createQueueConnection(server.url);
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
      line(`queue data while waiting, groups of ${group}`, (await usedMemory(raw)) - before, RESERVATIONS);
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }

    const beforeSettle = await usedMemory(raw);
    for (let i = 0; i < items.length; i += 500) {
      await store.settleMany(items.slice(i, i + 500).map((item, k) => ({
        item, verdict: { status: 'issued' as const, userCouponId: i + k + 1, issuedAt: Date.now() },
      })));
    }
    const settled = await usedMemory(raw);
    const settledRecord = await meanUsage(raw, sample);
    line('settled (INFO used_memory delta from empty)', settled - base, RESERVATIONS);
    line('  issuance record, settled with its TTL (MEMORY USAGE, mean of 1,000)', settledRecord * RESERVATIONS, RESERVATIONS);
    line('  settling changed used_memory by', settled - beforeSettle, RESERVATIONS);
    // what expiry leaves a week later
    for (let i = 0; i < items.length; i += 1000) await raw.unlink(...items.slice(i, i + 1000).map((item) => PREFIX + keys.issuance(item.issuanceId)));
    line('after the records expire (users hash and coupon keys only)', (await usedMemory(raw)) - base, RESERVATIONS);
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
