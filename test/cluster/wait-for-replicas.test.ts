import type { Redis } from 'ioredis';
import { connectRedis, redisReady, waitForReplicas } from '@coupon/runtime';
import { createPrivateCluster, type PrivateCluster } from '../support/private-cluster';

// waitForReplicas() on a Redis Cluster: a group's writes may land on several masters, so
// every master must have its replica's acknowledgement, asked over the connection this
// client writes to that master with (WAIT sent to any one node would vouch for that node only).
let cluster: PrivateCluster;
let client: Redis;
let frozen: number | null = null;

beforeAll(async () => {
  cluster = await createPrivateCluster(3, 1);
  client = connectRedis({ url: 'redis://127.0.0.1:6379', clusterNodes: cluster.nodes });
  await redisReady(client);
}, 60_000);
afterAll(async () => {
  if (frozen) cluster.signal(frozen, 'SIGCONT');
  client?.disconnect();
  await cluster?.destroy();
});

it('ok once every master has a replica acknowledgement; not ok when one master\'s replica is frozen', async () => {
  for (let i = 0; i < 30; i++) await client.set(`{k${i}}`, 'v'); // keys on every master
  expect(await waitForReplicas(client, 1, 10_000)).toEqual({ acknowledged: 1, ok: true });

  const master = await cluster.portOfKey('{k0}');
  const [replica] = await cluster.replicasOf(master);
  frozen = replica!;
  cluster.signal(frozen, 'SIGSTOP');
  await client.set('{k0}', 'after the freeze');
  expect(await waitForReplicas(client, 1, 200)).toEqual({ acknowledged: 0, ok: false });
  cluster.signal(frozen, 'SIGCONT');
  frozen = null;
  expect(await waitForReplicas(client, 1, 10_000)).toEqual({ acknowledged: 1, ok: true });
}, 60_000);
