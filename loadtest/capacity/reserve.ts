// What one Redis shard carries of the coupon's own work: the reservation script (reserve-5.lua)
// for ONE coupon (every call on the same keys, as a hot coupon's slot sees it) and for 1,000
// coupons, the worker's settle script (settle-many-n.lua) per settled issuance, a client's
// poll (read-issuance-2.lua) and a refusal once sold out. Driven through IssuanceStore over
// pipelined ioredis clients with the service's key prefix, against a private redis-server
// whose CPU time per operation gives ops/s per core.
//
//   pnpm exec tsx loadtest/capacity/reserve.ts
//   CAPACITY_SECONDS=5 CAPACITY_CLIENTS=4 CAPACITY_INFLIGHT=32 pnpm exec tsx loadtest/capacity/reserve.ts
// (and, without pipelining, 64 connections with one call in flight each)
import { Redis } from 'ioredis';
import { IssuanceStore, defineIssuanceCommands, type IssuanceItem } from '@coupon/issuance';
import {
  cpuSecondsOf, fmt, measure, memorySource, openCoupon, printHeader, runTag, startPrivateRedis, userId, type PrivateRedis,
} from './support';

const SECONDS = Number(process.env.CAPACITY_SECONDS ?? 5);
const CLIENTS = Number(process.env.CAPACITY_CLIENTS ?? 4);
const INFLIGHT = Number(process.env.CAPACITY_INFLIGHT ?? 32);
const SINGLE_CLIENTS = 64;
const SETTLE_BATCH = 500; // the worker's default BATCH_SIZE
const HOT = 1;
const SOLD_OUT = 2;
const MANY = Array.from({ length: 1000 }, (_, i) => 1001 + i);

interface Row { name: string; ops: number; wall: number; redisUs: number; clientUs: number; load: string }

/** Calls `op` from every client, `inflight` at a time each, for `seconds`; returns the calls made. */
async function drive(
  stores: IssuanceStore[], seconds: number, op: (store: IssuanceStore, n: number) => Promise<unknown>, inflight = INFLIGHT,
) {
  let n = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(stores.flatMap((store) => Array.from({ length: inflight }, async () => {
    while (Date.now() < until) await op(store, n++);
  })));
  return n;
}

async function scenario(redis: PrivateRedis, name: string, work: () => Promise<number>): Promise<Row> {
  let ops = 0;
  const span = await measure({ redis: () => cpuSecondsOf(redis.pid) }, async () => {
    ops = await work();
  });
  const row = {
    name, ops, wall: span.wallSeconds, load: span.load,
    redisUs: (span.cpu.redis! * 1e6) / ops, clientUs: (span.clientCpuSeconds * 1e6) / ops,
  };
  console.log(`  ${name}: ${fmt(ops)} ops in ${row.wall.toFixed(1)} s, redis ${row.redisUs.toFixed(1)} µs/op, load ${row.load}`);
  return row;
}

async function settleAll(stores: IssuanceStore[], items: IssuanceItem[], size = SETTLE_BATCH): Promise<number> {
  const batches: IssuanceItem[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  let next = 0;
  // one settle call in flight per client, as each worker settles its batch after its commit
  await Promise.all(stores.map(async (store) => {
    for (let b = next++; b < batches.length; b = next++) {
      await store.settleMany(batches[b]!.map((item, k) => ({
        item, verdict: { status: 'issued' as const, userCouponId: b * size + k + 1, issuedAt: Date.now() },
      })));
    }
  }));
  return items.length;
}

async function main() {
  printHeader(`reservation script on one Redis shard (${CLIENTS} clients × ${INFLIGHT} in flight, ${SECONDS} s each)`);
  const redis = await startPrivateRedis();
  const coupons = [openCoupon(HOT), openCoupon(SOLD_OUT, 0), ...MANY.map((id) => openCoupon(id))];
  const source = memorySource(coupons);
  const clients = Array.from({ length: CLIENTS }, () =>
    defineIssuanceCommands(new Redis(redis.url, { keyPrefix: 'coupon:', enableAutoPipelining: true })));
  const stores = clients.map((c) => new IssuanceStore(c, source, 7 * 86_400));
  const singleClients = Array.from({ length: SINGLE_CLIENTS }, () => defineIssuanceCommands(new Redis(redis.url, { keyPrefix: 'coupon:' })));
  const singles = singleClients.map((c) => new IssuanceStore(c, source, 7 * 86_400));
  try {
    for (const coupon of coupons) await stores[0]!.mirror(coupon);
    const tag = runTag();
    const hotItems: IssuanceItem[] = [];
    const manyItems: IssuanceItem[] = [];
    const hotItemsSingle: IssuanceItem[] = [];
    const manyItemsSingle: IssuanceItem[] = [];
    let lists = 0;
    const reserveInto = (list: IssuanceItem[], couponOf: (n: number) => number) => {
      const users = `${tag}${lists++}`;
      return async (store: IssuanceStore, n: number) => {
        const r = await store.reserve(couponOf(n), userId(users, n));
        if (r.kind !== 'accepted') throw new Error(`reservation ${n} not accepted: ${r.kind}`);
        list.push(r.item);
      };
    };
    const hot = () => HOT;
    const many = (n: number) => MANY[n % MANY.length]!;
    // warm-up: scripts loaded, JIT warm, connections established
    await drive(stores, 0.5, (store, n) => store.reserve(SOLD_OUT, `warm-${n}`));
    await drive(singles, 0.5, (store, n) => store.reserve(SOLD_OUT, `warm-${n}`), 1);

    const rows: Row[] = [];
    rows.push(await scenario(redis, 'reserve, one coupon', () => drive(stores, SECONDS, reserveInto(hotItems, hot))));
    rows.push(await scenario(redis, 'reserve, 1,000 coupons', () => drive(stores, SECONDS, reserveInto(manyItems, many))));
    // many connections with one call each in flight: no pipelining, a read and a write per call
    rows.push(await scenario(redis, `reserve, one coupon, ${SINGLE_CLIENTS} conn × 1 in flight`, () =>
      drive(singles, SECONDS, reserveInto(hotItemsSingle, hot), 1)));
    rows.push(await scenario(redis, `reserve, 1,000 coupons, ${SINGLE_CLIENTS} conn × 1 in flight`, () =>
      drive(singles, SECONDS, reserveInto(manyItemsSingle, many), 1)));
    rows.push(await scenario(redis, 'refused: sold out', () => drive(stores, SECONDS, (store, n) => store.reserve(SOLD_OUT, `late-${n}`))));
    rows.push(await scenario(redis, 'poll: read one issuance', () =>
      drive(stores, SECONDS, (store, n) => store.read(HOT, hotItems[n % hotItems.length]!.issuanceId))));
    rows.push(await scenario(redis, `settle, batches of ${SETTLE_BATCH}, one coupon (per issuance)`, () => settleAll(stores, hotItems)));
    rows.push(await scenario(redis, `settle, batches of ${SETTLE_BATCH}, 1,000 coupons (per issuance)`, () => settleAll(stores, manyItems)));
    rows.push(await scenario(redis, 'settle, batches of 50, one coupon (per issuance)', () => settleAll(stores, hotItemsSingle, 50)));
    printTable(rows);
  } finally {
    await Promise.all([...clients, ...singleClients].map((c) => c.quit()));
    await redis.stop();
  }
}

function printTable(rows: Row[]) {
  const reserve = rows[0]!.redisUs;
  const settle = rows.find((r) => r.name.startsWith(`settle, batches of ${SETTLE_BATCH}, one coupon`))!.redisUs;
  console.log('\n| operation | ops | ops/s (wall, this machine) | redis CPU µs/op | ops/s per Redis core | client CPU µs/op | load average |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.name} | ${fmt(r.ops)} | ${fmt(r.ops / r.wall)} | ${r.redisUs.toFixed(1)} | ${fmt(1e6 / r.redisUs)} | ${r.clientUs.toFixed(1)} | ${r.load} |`);
  }
  console.log(`\none coupon's slot, reserve + settle: ${(reserve + settle).toFixed(1)} µs per issuance → ` +
    `${fmt(1e6 / (reserve + settle))} issuances/s at 100 % of one Redis core`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
