// The issue request's path through one API process (API_PROCESSES=1) against a private Redis,
// with no worker running: what one API core accepts, what the request path costs Redis per
// accepted issuance (the rate limiter, the reservation script and the group's job add), and
// how many issuances a persist-batch job really carries at a given rate per process (groups
// close at QUEUE_GROUP_SIZE items or QUEUE_GROUP_WAIT_MS after their first). The jobs stay in
// the queue's wait list, where they are counted.
//
//   pnpm exec tsx loadtest/capacity/api-path.ts
//   CAPACITY_RATES=500,1000,2000 CAPACITY_SECONDS=10 QUEUE_GROUP_WAIT_MS=10 pnpm exec tsx loadtest/capacity/api-path.ts
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { couponKeys } from '@coupon/issuance';
import { createCoupon } from '../src/admin';
import { runLoad } from '../src/load';
import { freePort, waitForHttp } from '@coupon/test/support/net';
import { spawnNode, treeCpuSeconds } from '../src/processes';
import { cpuSecondsOf, createScratchDatabase, fmt, measure, printHeader, runTag, startPrivateRedis } from './support';

const RATES = (process.env.CAPACITY_RATES ?? '500,1000,2000').split(',').map(Number);
const SECONDS = Number(process.env.CAPACITY_SECONDS ?? 10);
const CLOSED_LOOP_CONNECTIONS = 50;
const ADMIN_TOKEN = 'capacity-admin-token';
const KEY_PREFIX = 'coupon:';
const QUEUE_PREFIX = '{coupon-bull}';

async function main() {
  printHeader(`issue path through one API process, ${SECONDS} s per load`);
  const redis = await startPrivateRedis();
  const database = await createScratchDatabase();
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const api = spawnNode('apps/api/src/main.ts', {
    DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: KEY_PREFIX, QUEUE_PREFIX, ADMIN_TOKEN,
    PORT: String(port), HOST: '127.0.0.1', API_PROCESSES: '1', MIGRATE_ON_START: 'true',
    ...pick(process.env, ['QUEUE_GROUP_SIZE', 'QUEUE_GROUP_WAIT_MS', 'RATE_LIMIT_USER_ISSUE', 'LOG_LEVEL']),
  }, join(tmpdir(), 'coupon-capacity-api.log'));
  const client = new Redis(redis.url);
  const tag = runTag();
  try {
    await waitForHttp(`${apiUrl}/readyz`, api);
    const warm = await createCoupon(apiUrl, ADMIN_TOKEN, `capacity ${tag} warm-up`, 'limited', 50_000_000);
    await runLoad({ url: apiUrl, couponId: warm.id, userTag: `${tag}-warm`, connections: 20, seconds: 3 });
    console.log('\n| load | accepted/s | p50 ms | p99 ms | jobs | issuances per job | API CPU µs/accepted | accepted/s per API core | ' +
      'Redis CPU µs/accepted (request path) | load average |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const loads = [...RATES.map((rate) => ({ name: `${fmt(rate)} req/s paced`, rate })), { name: `closed loop, ${CLOSED_LOOP_CONNECTIONS} conn`, rate: 0 }];
    for (const load of loads) {
      const coupon = await createCoupon(apiUrl, ADMIN_TOKEN, `capacity ${tag} ${load.name}`, 'limited', 50_000_000);
      const jobsBefore = await client.llen(`${QUEUE_PREFIX}:issuance:wait`);
      let accepted = 0;
      let p50 = 0;
      let p99 = 0;
      const span = await measure({ api: () => treeCpuSeconds(api.pid), redis: () => cpuSecondsOf(redis.pid) }, async () => {
        const result = await runLoad({
          url: apiUrl, couponId: coupon.id, userTag: `${tag}-${coupon.id}`, seconds: SECONDS,
          connections: load.rate ? 100 : CLOSED_LOOP_CONNECTIONS, overallRate: load.rate || undefined,
        });
        ({ p50, p99 } = result);
      });
      await new Promise((r) => setTimeout(r, 200)); // the last groups' adds
      accepted = await client.hlen(`${KEY_PREFIX}${couponKeys(coupon.id).users}`);
      const jobs = (await client.llen(`${QUEUE_PREFIX}:issuance:wait`)) - jobsBefore;
      const apiUs = (span.cpu.api! * 1e6) / accepted;
      console.log(`| ${load.name} | ${fmt(accepted / SECONDS)} | ${p50} | ${p99} | ${fmt(jobs)} | ${(accepted / jobs).toFixed(1)} | ` +
        `${apiUs.toFixed(0)} | ${fmt(1e6 / apiUs)} | ${((span.cpu.redis! * 1e6) / accepted).toFixed(1)} | ${span.load} |`);
    }
  } finally {
    client.disconnect();
    await api.stop();
    await database.drop();
    await redis.stop();
  }
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n]!]));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
