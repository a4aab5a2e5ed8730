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
const roleOf = async (node: { url: string }) => {
  const direct = track(new Redis(node.url));
  return String(((await direct.call('ROLE')) as unknown[])[0]);
};
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
    .call('SENTINEL', 'failover', topology.masterName);
  const after = await topology.waitForPromotion(before);
  // The old primary stays a writable master until the sentinels demote it, seconds later,
  // and what is written there meanwhile is lost. So the clients must leave it on the
  // sentinels' +switch-master, not wait to be thrown out when it is demoted.
  for (const client of [api, worker]) {
    await eventually(async () => ((await client.incr('demoted')) && (await portOf(client)) === after.port ? true : undefined),
      20_000, 'a write on the new primary');
  }
  expect(await roleOf(before)).toBe('master'); // not demoted yet: the clients did not wait for it
}, 60_000);

it('kill -9 of the primary: the fail-fast API client fails meanwhile, then writes to the promoted replica; no client gives up', async () => {
  const api = track(createRedis(target(), { keyPrefix: 'conn:' }));
  // a crowd of clients reconnecting at once: ioredis's failoverDetector, on a +switch-master
  // that arrives while a client is asking a sentinel, ends that client for good
  // ("Connection is closed."), so the factory leaves it off
  const crowd = Array.from({ length: 24 }, (_, i) => track(i % 2 ? createRedis(target(), { retryStrategy: () => 1 }) : createQueueConnection(target(), true)));
  await Promise.all([api, ...crowd].map((c) => redisReady(c)));
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
  for (const client of crowd) {
    await eventually(async () => ((await client.incr('crowd')) ? true : undefined), 30_000, 'every client writing again');
  }
  await topology.rejoinAsReplica(old);
}, 60_000);
