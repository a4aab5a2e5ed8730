import { Agent, createServer, request, type Server } from 'node:http';
import { createRequestListener } from '@coupon/api/app';
import { startTestApi, type TestApi } from '../support/api';
import { createCoupon } from '../support/coupons';
import { createTestEnv, type TestEnv } from '../support/env';
import { createPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { eventually } from '../support/processes';
import { startTestWorker, type TestWorker } from '../support/worker';

// GET /v1/issuances/:id?wait=N (API.md "Long poll"). A private Redis, so the connections
// the API holds can be counted exactly while thousands of clients wait.
let env: TestEnv;
let redis: PrivateRedis;
let api: TestApi;
let server: Server;
let base: string;
// a connection per waiting client, as real clients would have
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

beforeAll(async () => {
  [env, redis] = await Promise.all([createTestEnv(), createPrivateRedis()]);
  env.vars.REDIS_URL = redis.url;
  api = await startTestApi(env);
  server = createServer(createRequestListener(api.ctx));
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  agent.destroy();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await api?.close();
  await redis?.destroy();
  await env?.close();
});

/** GET that fails unless answered within `timeoutMs`; `signal` aborts it like a client leaving. */
function get(path: string, timeoutMs = 30_000, signal?: AbortSignal): Promise<{ status: number; body: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent, signal, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function accept(couponId: number, userId: string): Promise<string> {
  const res = await api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });
  expect(res.status).toBe(202);
  return res.body.issuanceId;
}

async function withWorker<T>(fn: (worker: TestWorker) => Promise<T>): Promise<T> {
  const worker = await startTestWorker(env);
  try {
    return await fn(worker);
  } finally {
    await worker.close();
  }
}

it.each(['21', '-1', '1.5', 'abc', ''])('refuses wait=%s with 400', async (wait) => {
  const res = await api.http.get(`/v1/issuances/1_abcdefgh12345678?wait=${wait}`);
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: 'wait' })] });
});

it('answers a settled issuance at once, and an unknown one with 404', async () => {
  const couponId = await createCoupon(api, { count: 10_000 });
  const id = await accept(couponId, 'settled_first');
  await withWorker(() => eventually(async () => ((await get(`/v1/issuances/${id}`)).body.status === 'issued' ? true : undefined)));
  // a 20 s wait that answers within 5 s did not wait
  expect(await get(`/v1/issuances/${id}?wait=20`, 5000)).toMatchObject({ status: 200, body: { status: 'issued' } });
  expect((await get('/v1/issuances/1_abcdefgh12345678?wait=20', 5000)).status).toBe(404);
});

it('answers a pending issuance with its state once the wait is over', async () => {
  const couponId = await createCoupon(api, { count: 10_000 });
  const id = await accept(couponId, 'still_pending'); // no worker runs
  const poll = get(`/v1/issuances/${id}?wait=2`, 10_000);
  await eventually(async () => (api.ctx.waiters.size === 1 ? true : undefined), 5000, 'the client to wait');
  expect(await poll).toMatchObject({ status: 200, body: { status: 'pending', queuePosition: 0 } });
  expect(api.ctx.waiters.size).toBe(0);
});

it('thousands of clients wait at once while issuing; each is answered when its issuance settles, connections stay as they were', async () => {
  const couponId = await createCoupon(api, { count: 10_000 });
  const users = Array.from({ length: 2000 }, (_, i) => `waiter_${i}`);
  const ids = [];
  for (let i = 0; i < users.length; i += 200) {
    ids.push(...(await Promise.all(users.slice(i, i + 200).map((u) => accept(couponId, u)))));
  }
  const probe = api.ctx.redis;
  const clients = async () => Number(/connected_clients:(\d+)/.exec(await probe.info('clients'))![1]);
  const clientsBefore = await clients();

  // answered well before their 20 s are up: woken by the settlement, not by the clock
  const polls = ids.map((id) => get(`/v1/issuances/${id}?wait=20`, 18_000));
  await eventually(async () => (api.ctx.waiters.size === ids.length ? true : undefined), 30_000, 'every client to be waiting');
  const clientsWaiting = await clients();
  // one subscriber connection for all the waiters, nothing per waiter
  expect(clientsWaiting - clientsBefore).toBeLessThanOrEqual(1);

  const answers = await withWorker(() => Promise.all(polls));
  expect(answers.every((a) => a.status === 200 && a.body.status === 'issued')).toBe(true);
  expect(api.ctx.waiters.size).toBe(0);
  // the worker's connections close asynchronously once it has stopped
  await eventually(async () => ((await clients()) - clientsBefore <= 1 ? true : undefined), 10_000, 'connections as before');
}, 120_000);

it('releases the waiter of a client that goes away', async () => {
  const couponId = await createCoupon(api, { count: 10_000 });
  const id = await accept(couponId, 'impatient');
  const controller = new AbortController();
  const poll = get(`/v1/issuances/${id}?wait=20`, 30_000, controller.signal).catch(() => 'aborted');
  await eventually(async () => (api.ctx.waiters.size === 1 ? true : undefined), 10_000, 'the client to wait');
  controller.abort();
  expect(await poll).toBe('aborted');
  await eventually(async () => (api.ctx.waiters.size === 0 ? true : undefined), 10_000, 'the waiter to be released');
});
