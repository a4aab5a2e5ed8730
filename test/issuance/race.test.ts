import { couponKeys } from '@coupon/issuance';
import { createCoupon } from '../support/coupons';
import { createTestEnv, type TestEnv } from '../support/env';
import { eventually, postJson, type RunningApp, startApp } from '../support/processes';
import { startTestWorker, type TestWorker } from '../support/worker';

// Invariants 1 and 2 across processes: two real API processes share the stock of one coupon.
let env: TestEnv;
let apis: RunningApp[] = [];
let worker: TestWorker;

beforeAll(async () => {
  env = await createTestEnv();
  apis = await Promise.all([startApp('api', env.vars), startApp('api', env.vars)]);
  worker = await startTestWorker(env);
}, 60_000);

afterAll(async () => {
  await Promise.all(apis.map((a) => a.child.kill('SIGTERM')));
  await worker?.close();
  await env.close();
});

it('1000 users x 4 parallel requests over two API processes against stock 100: exactly 100 issued', async () => {
  const couponId = await createCoupon(apis[0]!.url, { count: 100 });

  const requests: Promise<{ user: string; status: number; body: Record<string, any> }>[] = [];
  let inFlight = 0;
  const limit = 64; // a bounded client: at most 64 requests open at once
  const queue: (() => void)[] = [];
  const slot = () => (inFlight < limit ? (inFlight++, Promise.resolve()) : new Promise<void>((r) => queue.push(r)));
  const release = () => (queue.length ? queue.shift()!() : inFlight--);
  for (let u = 0; u < 1000; u++) {
    for (let k = 0; k < 4; k++) {
      const user = `racer_${u}`;
      const api = apis[(u + k) % 2]!;
      requests.push(
        slot().then(async () => {
          try {
            return { user, ...(await postJson(api.url, `/v1/coupons/${couponId}/issuances`, { userId: user })) };
          } finally {
            release();
          }
        }),
      );
    }
  }
  const results = await Promise.all(requests);

  const accepted = results.filter((r) => r.status === 202);
  const statuses = new Set(results.map((r) => `${r.status} ${r.body.code ?? ''}`.trim()));
  expect([...statuses].sort()).toEqual(['202', '409 already_issued', '409 sold_out']);
  expect(accepted).toHaveLength(100);
  expect(new Set(accepted.map((r) => r.user)).size).toBe(100);
  expect(accepted.map((r) => r.body.sequence as number).sort((a, b) => a - b)).toEqual(
    Array.from({ length: 100 }, (_, i) => i + 1),
  );

  await eventually(async () => ((await env.redis.redis.zcard(env.redis.keyPrefix + couponKeys(couponId).pending)) === 0 ? true : undefined), 30_000, 'drain');
  const rows = await env.database.db
    .selectFrom('user_coupons_storage')
    .select(['user_id', 'issuance_id', 'sequence'])
    .where('coupon_id', '=', couponId)
    .execute();
  expect(rows).toHaveLength(100);
  expect(new Set(rows.map((r) => r.user_id)).size).toBe(100);
  expect(new Set(rows.map((r) => r.issuance_id))).toEqual(new Set(accepted.map((r) => r.body.issuanceId)));

  const coupon = await (await fetch(`${apis[1]!.url}/v1/coupons/${couponId}`)).json();
  expect(coupon).toMatchObject({ remainingStock: 0, issuedCount: 100 });
  const persisted = await env.database.db.selectFrom('coupons').select('issued_count').where('id', '=', couponId).executeTakeFirstOrThrow();
  expect(persisted.issued_count).toBe(100);
}, 120_000);
