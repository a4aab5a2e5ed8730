import { Redis } from 'ioredis';
import { createQueueConnection } from '@coupon/issuance';
import { connectRedis, createRedis, redisReady, redisTarget } from '@coupon/runtime';
import { createPrivateSentinel, type PrivateSentinel } from '../support/private-sentinel';
import { eventually } from '../support/processes';

// The connection factory in Sentinel mode (REDIS_SENTINELS): the clients the API and the
// worker build follow the primary through a failover, without a restart, even with the
// API's fail-fast options (one retry, no offline queue).
let topology: PrivateSentinel;
const clients: Redis[] = [];
const track = <T extends Redis>(c: T) => {
  c.on('error', () => {}); // refused connections while no primary answers are expected here
  clients.push(c);
  return c;
};

beforeAll(async () => {
  topology = await createPrivateSentinel();
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await topology?.destroy();
});

// REDIS_URL lends credentials, TLS and the database number; its host is never used
const target = () => redisTarget({
  REDIS_URL: 'redis://127.0.0.1:1/3', REDIS_SENTINELS: topology.sentinels, REDIS_SENTINEL_MASTER: topology.masterName,
});
const portOf = async (c: Redis) => Number(((await c.config('GET', 'port')) as string[])[1]);

it('connects to the primary the sentinels name, in the database REDIS_URL names', async () => {
  const client = track(connectRedis(target()));
  await client.set('where', 'here');
  const primary = await topology.primary();
  expect(await portOf(client)).toBe(primary.port);
  const direct = track(new Redis(`${primary.url}/3`));
  expect(await direct.get('where')).toBe('here');
});

it('a primary demoted while connected (manual failover): the clients move to the new one', async () => {
  const api = track(createRedis(target()));
  const worker = track(createQueueConnection(target(), true));
  await redisReady(api);
  const before = await topology.primary();
  expect(await portOf(api)).toBe(before.port);
  await track(new Redis(Number(topology.sentinels.split(',')[0]!.split(':')[1]), '127.0.0.1'))
    .sentinel('failover', topology.masterName);
  const after = await topology.waitForPromotion(before);
  // without the failover detector and READONLY handling, the open connection would stay on
  // the demoted primary and every write would fail with READONLY
  for (const client of [api, worker]) {
    await eventually(async () => ((await client.incr('demoted')) && (await portOf(client)) === after.port ? true : undefined),
      20_000, 'a write on the new primary');
  }
}, 60_000);

it('kill -9 of the primary: the fail-fast API client fails meanwhile, then writes to the promoted replica', async () => {
  const api = track(createRedis(target(), { keyPrefix: 'conn:' }));
  await redisReady(api);
  await api.set('before', '1');
  const old = await topology.killPrimary();
  let failures = 0;
  const promoted = topology.waitForPromotion(old);
  const written = await eventually(async () => {
    try {
      await api.set('after', '1');
      return await portOf(api);
    } catch (error) {
      failures++;
      throw error;
    }
  }, 30_000, 'a write after the failover');
  expect(written).toBe((await promoted).port);
  expect(failures).toBeGreaterThan(0); // it did fail fast while no primary answered
  await topology.rejoinAsReplica(old);
}, 60_000);
