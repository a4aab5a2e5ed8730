import { SEQUENCE_GAP_AFTER_LOSS } from '@coupon/issuance';
import type { AddressInfo } from 'node:net';
import { loadWorkerConfig } from '@coupon/worker/config';
import { closeWorkerContext, createWorkerContext } from '@coupon/worker/context';
import { startOpsServer } from '@coupon/worker/ops/server';
import { createCoupon } from '../support/coupons';
import { createPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { eventually } from '../support/processes';
import { startTestWorker } from '../support/worker';
import { startTestApi, type TestApi } from '../support/api';
import { useTestStack } from '../support/stack';

const stack = useTestStack();

/** The value of one series in Prometheus text, or 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('API /healthz, /readyz, /metrics', () => {
  it('is live and ready with PostgreSQL and Redis up', async () => {
    expect((await stack.api.http.get('/healthz')).status).toBe(200);
    const ready = await stack.api.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ postgres: 'up', redis: 'up' });
  });

  it('exposes the named series, and they move after an issuance', async () => {
    const before = (await stack.api.http.get('/metrics')).text;
    for (const name of ['http_request_duration_seconds_bucket', 'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes', 'coupon_persist_lag_oldest_seconds']) {
      expect(before).toContain(name);
    }
    const couponId = await createCoupon(stack.api, { count: 1 });
    await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'm1' }).expect(202);
    await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'm1' }).expect(409);
    await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'm2' }).expect(409);
    const after = await stack.api.http.get('/metrics');
    expect(after.headers['content-type']).toMatch(/^text\/plain/);
    const text = after.text;
    for (const outcome of ['accepted', 'already_issued', 'sold_out']) {
      expect(sample(text, 'coupon_issuance_requests_total', { outcome })).toBe(sample(before, 'coupon_issuance_requests_total', { outcome }) + 1);
    }
    const route = { route: '/v1/coupons/:couponId/issuances', status: '202' };
    expect(sample(text, 'http_request_duration_seconds_count', route)).toBe(1);
    // no worker runs here: the job waits, and BullMQ's export counts it
    expect(sample(text, 'bullmq_job_count', { queue: 'issuance', state: 'waiting' })).toBe(1);
    expect(sample(text, 'coupon_persist_lag_oldest_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('coupon_ready 1');
  });
});

describe('with Redis unreachable', () => {
  let redis: PrivateRedis;
  let isolated: TestApi;

  beforeAll(async () => {
    redis = await createPrivateRedis();
    isolated = await startTestApi(stack.env, { REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await isolated.close();
    await redis.destroy();
  });

  it('/readyz is 503 while Redis is down and 200 again after; issuing answers 503 with Retry-After', async () => {
    const couponId = await createCoupon(isolated);
    await redis.kill();
    const down = await isolated.http.get('/readyz');
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toMatch(/problem\+json/);
    expect(down.body).toMatchObject({ code: 'service_unavailable', redis: 'down', postgres: 'up' });
    expect((await isolated.http.get('/metrics')).text).toContain('coupon_ready 0');

    const refused = await isolated.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'during-outage' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.code).toBe('service_unavailable');

    await redis.start();
    await eventually(async () => ((await isolated.http.get('/readyz')).status === 200 ? true : undefined), 15_000, 'ready again');
    expect((await isolated.http.get('/metrics')).text).toContain('coupon_ready 1');
    // the restarted Redis is empty: the coupon's state is rebuilt from PostgreSQL on demand,
    // its numbers past any the lost counter may have handed out (DESIGN.md invariant 6)
    const accepted = await isolated.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'after-outage' });
    expect(accepted.status).toBe(202);
    expect(accepted.body.sequence).toBe(SEQUENCE_GAP_AFTER_LOSS + 1);
  }, 30_000);
});

describe('worker /metrics and /readyz', () => {
  it('counts settled issuances, batches and lag', async () => {
    const worker = await startTestWorker(stack.env, { WORKER_PORT: '0', HOST: '127.0.0.1' });
    const server = await startOpsServer(worker.ctx, { lastProgressAt: Date.now(), accepting: true });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const couponId = await createCoupon(stack.api);
      await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'w1' }).expect(202);
      const text = await eventually(async () => {
        const body = await (await fetch(`${base}/metrics`)).text();
        return sample(body, 'coupon_issuances_settled_total', { outcome: 'issued' }) >= 1 ? body : undefined;
      }, 20_000, 'a settled issuance');
      expect(sample(text, 'coupon_persist_batch_size_count')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'coupon_persist_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'coupon_persist_lag_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(text).toContain('nodejs_eventloop_lag_seconds');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(sample(await (await fetch(`${base}/metrics`)).text(), 'coupon_ready')).toBe(1);
    } finally {
      server.close();
      await worker.close();
    }
  });

  it('is not ready when jobs wait and nothing has been settled for WORKER_STALL_MS', async () => {
    // a worker context whose BullMQ workers never started: jobs wait, no progress
    const ctx = createWorkerContext(loadWorkerConfig({ ...stack.env.vars, WORKER_PORT: '0', HOST: '127.0.0.1', WORKER_STALL_MS: '100' }));
    const server = await startOpsServer(ctx, { lastProgressAt: Date.now() - 1000, accepting: true });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const couponId = await createCoupon(stack.api);
      await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'stuck' }).expect(202);
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ progress: 'stalled', code: 'service_unavailable' });
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('coupon_ready 0');
    } finally {
      server.close();
      await closeWorkerContext(ctx);
    }
  });
});
