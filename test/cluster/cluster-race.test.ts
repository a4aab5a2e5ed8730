import type { Cluster } from 'ioredis';
import { couponKeys } from '@coupon/issuance';
import { createCoupon } from '../support/coupons';
import { createTestEnv, type TestEnv } from '../support/env';
import { createPrivateCluster, type PrivateCluster } from '../support/private-cluster';
import { eventually, postJson, type RunningApp, startApp } from '../support/processes';
import { startTestWorker, type TestWorker } from '../support/worker';

// Invariants 1 and 2 on a Redis Cluster: two API processes and a worker pointed at three
// private masters (REDIS_CLUSTER_NODES), coupons whose {c:<id>} slots live on different
// masters, each sold out by a crowd of users sending several requests at once.
const STOCK = 40;
const USERS = 240;
const REQUESTS_PER_USER = 3;

let env: TestEnv;
let cluster: PrivateCluster;
let client: Cluster;
let apis: RunningApp[] = [];
let worker: TestWorker;

beforeAll(async () => {
  [env, cluster] = await Promise.all([createTestEnv(), createPrivateCluster(3)]);
  client = cluster.client();
  const vars = { ...env.vars, REDIS_CLUSTER_NODES: cluster.nodes };
  apis = await Promise.all([startApp('api', vars), startApp('api', vars)]);
  worker = await startTestWorker(env, { REDIS_CLUSTER_NODES: cluster.nodes });
}, 60_000);

afterAll(async () => {
  await Promise.all(apis.map((a) => a.child.kill('SIGTERM')));
  await worker?.close();
  await cluster?.destroy();
  await env?.close();
});

/** Creates coupons until one lives on each master (ids are sequential, slots are not). */
async function couponsOnEveryMaster(): Promise<{ id: number; port: number }[]> {
  const byPort = new Map<number, number>();
  for (let i = 0; i < 40 && byPort.size < cluster.ports.length; i++) {
    const id = await createCoupon(apis[0]!.url, { count: STOCK });
    const port = await cluster.portOfKey(`${env.redis.keyPrefix}${couponKeys(id).meta}`);
    if (!byPort.has(port)) byPort.set(port, id);
  }
  return [...byPort].map(([port, id]) => ({ id, port }));
}

it('two API processes on a 3-master cluster: each coupon issues exactly its stock, one per user', async () => {
  const coupons = await couponsOnEveryMaster();
  expect(new Set(coupons.map((c) => c.port)).size).toBe(3);
  // BullMQ's keys share the prefix's hash tag: one slot, wherever it is
  expect(await cluster.portOfKey(`${env.redis.queuePrefix}:issuance:wait`)).toBe(await cluster.portOfKey(`${env.redis.queuePrefix}:issuance:id`));

  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const slot = () => (inFlight < 64 ? (inFlight++, Promise.resolve()) : new Promise<void>((r) => waiting.push(r)));
  const release = () => (waiting.length ? waiting.shift()!() : inFlight--);
  const requests: Promise<{ couponId: number; user: string; status: number; body: Record<string, any> }>[] = [];
  for (let u = 0; u < USERS; u++) {
    for (const { id } of coupons) {
      for (let k = 0; k < REQUESTS_PER_USER; k++) {
        const user = `racer_${u}`;
        const api = apis[(u + k) % 2]!;
        requests.push(slot().then(async () => {
          try {
            return { couponId: id, user, ...(await postJson(api.url, `/v1/coupons/${id}/issuances`, { userId: user })) };
          } finally {
            release();
          }
        }));
      }
    }
  }
  const results = await Promise.all(requests);
  expect([...new Set(results.map((r) => `${r.status} ${r.body.code ?? ''}`.trim()))].sort())
    .toEqual(['202', '409 already_issued', '409 sold_out']);

  for (const { id } of coupons) {
    const accepted = results.filter((r) => r.couponId === id && r.status === 202);
    expect(accepted).toHaveLength(STOCK);
    expect(new Set(accepted.map((r) => r.user)).size).toBe(STOCK);

    const pendingKey = `${env.redis.keyPrefix}${couponKeys(id).pending}`;
    await eventually(async () => ((await client.zcard(pendingKey)) === 0 ? true : undefined), 30_000, `coupon ${id} drained`);
    const rows = await env.database.db.selectFrom('user_coupons_storage').select(['user_id', 'issuance_id'])
      .where('coupon_id', '=', id).execute();
    expect(rows).toHaveLength(STOCK);
    expect(new Set(rows.map((r) => r.issuance_id))).toEqual(new Set(accepted.map((r) => r.body.issuanceId)));
    expect(await client.hlen(`${env.redis.keyPrefix}${couponKeys(id).users}`)).toBe(STOCK);

    const coupon = await (await fetch(`${apis[1]!.url}/v1/coupons/${id}`)).json();
    expect(coupon).toMatchObject({ remainingStock: 0, issuedCount: STOCK });
    const one = accepted[0]!.body.issuanceId as string;
    expect((await (await fetch(`${apis[0]!.url}/v1/issuances/${one}`)).json())).toMatchObject({ status: 'issued' });
  }
}, 60_000);
