import { Redis } from 'ioredis';
import { couponKeys } from '@coupon/issuance';
import { startTestApi, type TestApi } from '../support/api';
import { createCoupon } from '../support/coupons';
import { createTestEnv, type TestEnv } from '../support/env';
import { eventually } from '../support/processes';
import { createPrivateReplication, type PrivateReplication } from '../support/private-sentinel';
import { startTestWorker } from '../support/worker';

// ISSUANCE_DURABILITY=replica (DESIGN.md invariant 7): no 202 before a replica holds the
// reservation and its job; one WAIT per group. A private primary and replica.
let env: TestEnv;
let replication: PrivateReplication;
let replicaMode: TestApi;
let localMode: TestApi;
let onReplica: Redis;

beforeAll(async () => {
  [env, replication] = await Promise.all([createTestEnv(), createPrivateReplication()]);
  env.vars.REDIS_URL = replication.primary.url;
  replicaMode = await startTestApi(env, { ISSUANCE_DURABILITY: 'replica', REDIS_MIN_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '200' });
  localMode = await startTestApi(env);
  onReplica = new Redis(replication.replica.url, { keyPrefix: env.redis.keyPrefix });
  await replication.synced();
}, 60_000);
afterAll(async () => {
  replication?.replica.resume();
  onReplica?.disconnect();
  await replicaMode?.close();
  await localMode?.close();
  await replication?.destroy();
  await env?.close();
});

const issue = (api: TestApi, couponId: number, userId: string) => api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });
const refused = () => replicaMode.ctx.metrics.groupsRefusedForDurability.get().then((m) => m.values[0]?.value ?? 0);

it('answers 202 only once the replica holds the reservation and its job', async () => {
  const couponId = await createCoupon(localMode, { count: 100 });
  const res = await issue(replicaMode, couponId, 'durable_1');
  expect(res.status).toBe(202);
  // read from the replica at once: no waiting for replication here
  expect(await onReplica.hget(couponKeys(couponId).users, 'durable_1')).toBe(res.body.issuanceId);
  const raw = new Redis(replication.replica.url);
  try {
    expect(await raw.llen(`${env.redis.queuePrefix}:issuance:wait`)).toBeGreaterThan(0);
  } finally {
    raw.disconnect();
  }
  expect((await replicaMode.ctx.metrics.replicaWait.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value).toBeGreaterThan(0);
});

it('answers 503 with the issuanceId when the replica does not acknowledge in time; the reservation stands and is persisted', async () => {
  const couponId = await createCoupon(localMode, { count: 100 });
  const before = await refused();
  replication.replica.pause();
  let res;
  try {
    res = await issue(replicaMode, couponId, 'behind_1');
    // local durability does not wait: the same moment, a 202
    expect((await issue(localMode, couponId, 'local_1')).status).toBe(202);
  } finally {
    replication.replica.resume();
  }
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('1');
  expect(res.body).toMatchObject({ code: 'service_unavailable', issuanceId: expect.any(String) });
  expect(await refused()).toBe(before + 1);

  const worker = await startTestWorker(env);
  try {
    const settled = await eventually(async () => {
      const poll = await localMode.http.get(`/v1/issuances/${res.body.issuanceId}`);
      return poll.body.status === 'issued' ? poll.body : undefined;
    }, 20_000, 'the refused-for-durability reservation to be persisted');
    expect(settled.userId).toBe('behind_1');
  } finally {
    await worker.close();
  }
});
