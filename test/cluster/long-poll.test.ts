import { startTestApi, type TestApi } from '../support/api';
import { createCoupon } from '../support/coupons';
import { createTestEnv, type TestEnv } from '../support/env';
import { createPrivateCluster, type PrivateCluster } from '../support/private-cluster';
import { eventually } from '../support/processes';
import { startTestWorker } from '../support/worker';

// Long poll on a Redis Cluster: the settle script publishes on the coupon's sharded channel
// (its slot's node); the API's one subscriber follows it there with SSUBSCRIBE.
let env: TestEnv;
let cluster: PrivateCluster;
let api: TestApi;

beforeAll(async () => {
  [env, cluster] = await Promise.all([createTestEnv(), createPrivateCluster(3)]);
  env.vars.REDIS_CLUSTER_NODES = cluster.nodes;
  api = await startTestApi(env);
}, 60_000);
afterAll(async () => {
  await api?.close();
  await cluster?.destroy();
  await env?.close();
});

it('a waiting client is answered when its issuance settles, whichever node its coupon lives on', async () => {
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const couponId = await createCoupon(api);
    const res = await api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'poller' });
    expect(res.status).toBe(202);
    ids.push(res.body.issuanceId as string);
  }
  // then() sends a supertest request
  const polls = ids.map((id) => api.http.get(`/v1/issuances/${id}?wait=20`).timeout(15_000).then((res) => res));
  await eventually(async () => (api.ctx.waiters.size === ids.length ? true : undefined), 10_000, 'the clients to wait');
  const worker = await startTestWorker(env);
  try {
    // answered well before the 20 s are up: woken by the settlement
    const answers = await Promise.all(polls);
    expect(answers.map((a) => a.body.status)).toEqual(['issued', 'issued', 'issued']);
  } finally {
    await worker.close();
  }
}, 60_000);
