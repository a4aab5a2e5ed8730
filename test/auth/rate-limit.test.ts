import { Redis } from 'ioredis';
import { couponKeys } from '@coupon/issuance';
import { addressKey } from '@coupon/api/http/rate-limit';
import { startTestApi, type TestApi } from '../support/api';
import { createCoupon } from '../support/coupons';
import { createTestEnv, type TestEnv } from '../support/env';
import { createPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { eventually } from '../support/processes';
import { expectProblem } from '../support/problems';

// API.md "Rate limits": per user on issuance and per client address, shared by every process
// (two in-process APIs on one Redis stand for two hosts), 429 rate_limited + Retry-After.
let env: TestEnv;
let first: TestApi;
let second: TestApi;
const LIMIT = 3;

beforeAll(async () => {
  env = await createTestEnv();
  first = await startTestApi(env, { RATE_LIMIT_USER_ISSUE: String(LIMIT) });
  second = await startTestApi(env, { RATE_LIMIT_USER_ISSUE: String(LIMIT) });
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await env?.close();
});

const coupons = (api: TestApi, n: number) =>
  Promise.all(Array.from({ length: n }, () => createCoupon(api)));

/** The sum over the APIs of one series of their /metrics. */
async function counter(apis: TestApi[], series: string): Promise<number> {
  let sum = 0;
  for (const api of apis) {
    const line = (await api.http.get('/metrics')).text.split('\n').find((l) => l.startsWith(series));
    sum += line ? Number(line.split(' ').pop()) : 0;
  }
  return sum;
}

function expectLimited(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }) {
  expectProblem(res, 429, 'rate_limited');
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
}

describe('per user, on issuance', () => {
  const series = 'coupon_rate_limited_total{route="/v1/coupons/:couponId/issuances",limit="user"}';

  it("limits one user's burst across processes, serves the other users meanwhile, and a 429 reserves nothing", async () => {
    const ids = await coupons(first, 12);
    const before = await counter([first, second], series);
    const greedy = ids.map((id, i) => [first, second][i % 2]!.http.post(`/v1/coupons/${id}/issuances`).send({ userId: 'greedy' }));
    const others = ids.slice(0, 6).map((id, i) => second.http.post(`/v1/coupons/${id}/issuances`).send({ userId: `modest_${i}` }));
    const [mine, theirs] = await Promise.all([Promise.all(greedy), Promise.all(others)]);

    expect(theirs.map((r) => r.status)).toEqual(Array(6).fill(202));
    const accepted = mine.filter((r) => r.status === 202).length;
    // a fixed one-second window: a burst that straddles two windows may get two shares
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeLessThanOrEqual(2 * LIMIT);
    const limited = mine.filter((r) => r.status !== 202);
    limited.forEach(expectLimited);
    for (const [i, res] of mine.entries()) {
      const holder = await env.redis.redis.hget(`${env.redis.keyPrefix}${couponKeys(ids[i]!).users}`, 'greedy');
      expect({ coupon: i, held: holder !== null }).toEqual({ coupon: i, held: res.status === 202 });
    }
    expect(await counter([first, second], series)).toBe(before + limited.length);
  });

  it('counts issue requests only: the same user reads freely, and may issue again once the window has passed', async () => {
    const [id] = await coupons(first, 1);
    const burst = await Promise.all(Array.from({ length: 10 }, () => first.http.post(`/v1/coupons/${id}/issuances`).send({ userId: 'reader' })));
    expect(burst.some((r) => r.status === 429)).toBe(true);
    const reads = await Promise.all(Array.from({ length: 10 }, () => first.http.get(`/v1/coupons/${id}/issuances/reader`)));
    expect(reads.map((r) => r.status)).toEqual(Array(10).fill(200));
    const [later] = await coupons(first, 1);
    await eventually(async () => ((await first.http.post(`/v1/coupons/${later}/issuances`).send({ userId: 'reader' })).status === 202 ? true : undefined), 10_000);
  }, 30_000);
});

describe('per client address', () => {
  let api: TestApi;
  let behindProxy: TestApi;
  beforeAll(async () => {
    api = await startTestApi(env, { RATE_LIMIT_IP: '5' });
    behindProxy = await startTestApi(env, { RATE_LIMIT_IP: '5', TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await api?.close();
    await behindProxy?.close();
  });

  it('limits every route but health, readiness, metrics and docs; X-Forwarded-For is not believed by default', async () => {
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => api.http.get('/v1/coupons').set('X-Forwarded-For', `198.51.100.${i}`)));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    limited.forEach(expectLimited);
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      const statuses = (await Promise.all(Array.from({ length: 20 }, () => api.http.get(path)))).map((r) => r.status);
      expect({ path, statuses }).toEqual({ path, statuses: Array(20).fill(200) });
    }
    expect(await counter([api], 'coupon_rate_limited_total{route="/v1/coupons",limit="address"}')).toBe(limited.length);
  });

  it('with TRUST_PROXY, counts each client named by the proxy on its own', async () => {
    // the client writes an address of its choice; the proxy (loopback here) appends the one it saw
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      behindProxy.http.get('/v1/coupons').set('X-Forwarded-For', `192.0.2.${i}, 203.0.113.7`)));
    expect(burst.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(10);
    expect((await behindProxy.http.get('/v1/coupons').set('X-Forwarded-For', '203.0.113.8')).status).toBe(200);
  });

  it('counts an IPv6 client by its /64, which one subscriber holds whole', async () => {
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      behindProxy.http.get('/v1/coupons').set('X-Forwarded-For', `2001:db8:5:6:${i.toString(16)}::1`)));
    expect(burst.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(10);
    expect((await behindProxy.http.get('/v1/coupons').set('X-Forwarded-For', '2001:db8:5:7::1')).status).toBe(200);
    expect(['::ffff:10.1.2.3', '2001:db8::1', '2001:0DB8:0:0:1:2:3:4', 'fe80::1%eth0', '::1', '::'].map(addressKey))
      .toEqual(['10.1.2.3', '2001:db8:0:0::/64', '2001:db8:0:0::/64', 'fe80:0:0:0::/64', '0:0:0:0::/64', '0:0:0:0::/64']);
  });
});

describe("the limiter's own Redis down", () => {
  let limiterRedis: PrivateRedis;
  let api: TestApi;
  beforeAll(async () => {
    limiterRedis = await createPrivateRedis();
    api = await startTestApi(env, { RATE_LIMIT_USER_ISSUE: String(LIMIT), RATE_LIMIT_IP: '1000', RATE_LIMIT_REDIS_URL: limiterRedis.url });
  });
  afterAll(async () => {
    await api?.close();
    await limiterRedis?.destroy();
  });

  it('does not take the API down: requests are served, limited per process, counted, and Redis is used again once back', async () => {
    const probe = new Redis(limiterRedis.url);
    const ids = await coupons(api, 10);
    expect((await api.http.post(`/v1/coupons/${ids[0]}/issuances`).send({ userId: 'before' })).status).toBe(202);
    expect(await probe.exists(`${env.redis.keyPrefix}rl:issue:before`)).toBe(1);
    probe.disconnect();

    await limiterRedis.kill();
    const errors = 'coupon_rate_limiter_errors_total{limit="user"}';
    const errorsBefore = await counter([api], errors);
    const served = await Promise.all(ids.slice(1, 6).map((id, i) => api.http.post(`/v1/coupons/${id}/issuances`).send({ userId: `down_${i}` })));
    expect(served.map((r) => r.status)).toEqual(Array(5).fill(202));
    expect((await api.http.get('/v1/coupons')).status).toBe(200);
    const burst = await Promise.all(ids.slice(1).map((id) => api.http.post(`/v1/coupons/${id}/issuances`).send({ userId: 'down_greedy' })));
    expect(burst.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(1);
    expect(await counter([api], errors)).toBeGreaterThan(errorsBefore);

    await limiterRedis.start();
    const back = new Redis(limiterRedis.url);
    try {
      await eventually(async () => {
        await api.http.post(`/v1/coupons/${ids[0]}/issuances`).send({ userId: 'after' });
        return (await back.exists(`${env.redis.keyPrefix}rl:issue:after`)) === 1 ? true : undefined;
      }, 15_000, 'limiter back on its Redis');
    } finally {
      back.disconnect();
    }
  }, 60_000);
});
