import { couponBody } from '../support/builders';
import { startTestApi } from '../support/api';
import { useTestStack } from '../support/stack';
import { createCoupon } from '../support/coupons';
import { couponState, newKey, newUserCoupon, userCouponHistory } from './support';

// API.md "Retries: Idempotency-Key": a retried state change with the same key has the effect
// of one (DESIGN.md invariant 8), and answers what the first request answered.
const stack = useTestStack();
const db = () => stack.env.database.db;

const patch = (id: number, body: object, key: string) =>
  stack.api.http.patch(`/v1/coupons/${id}`).set(stack.api.admin).set('Idempotency-Key', key).send(body);

function expectReplayOf(replay: { status: number; headers: Record<string, string>; text: string }, first: typeof replay) {
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  expect(replay.headers['idempotent-replayed']).toBe('true');
  expect({ status: replay.status, body: replay.text, type: replay.headers['content-type'] })
    .toEqual({ status: first.status, body: first.text, type: first.headers['content-type'] });
  for (const header of ['location', 'etag']) expect(replay.headers[header]).toBe(first.headers[header]);
}

describe('a retried request with the same key and body', () => {
  it('POST /v1/coupons: one coupon, one history row; the retry gets the 201, Location and ETag again', async () => {
    const key = newKey();
    const body = couponBody({ name: `create ${key}` });
    const first = await stack.api.http.post('/v1/coupons').set(stack.api.admin).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`/v1/coupons/${first.body.id}`);
    const retry = await stack.api.http.post('/v1/coupons').set(stack.api.admin).set('Idempotency-Key', key).send(body);
    expectReplayOf(retry, first);
    const rows = await db().selectFrom('coupons').select('id').where('name', '=', body.name).execute();
    expect(rows).toHaveLength(1);
    expect((await couponState(db(), first.body.id)).history).toEqual(['created']);
  });

  it('PATCH adds the stock once', async () => {
    const id = await createCoupon(stack.api);
    const key = newKey();
    const first = await patch(id, { count: 50 }, key);
    const retries = [await patch(id, { count: 50 }, key), await patch(id, { count: 50 }, key)];
    expect(first.body.count).toBe(150);
    for (const retry of retries) expectReplayOf(retry, first);
    expect(await couponState(db(), id)).toMatchObject({ count: 150, version: 2, history: ['created', 'updated'] });
  });

  it('DELETE deletes once; the retry gets the 200 again, not 404', async () => {
    const id = await createCoupon(stack.api);
    const key = newKey();
    const del = () => stack.api.http.delete(`/v1/coupons/${id}`).set(stack.api.admin).set('Idempotency-Key', key);
    const first = await del();
    expect(first.status).toBe(200);
    expectReplayOf(await del(), first);
    expect((await couponState(db(), id)).history).toEqual(['created', 'deleted']);
  });

  it('use, cancel-use and the user-coupon DELETE change the user coupon once each', async () => {
    const uc = await newUserCoupon(stack.api, db(), 'retrier');
    const base = `/v1/users/${uc.userId}/coupons/${uc.id}`;
    const steps = [
      () => stack.api.http.post(`${base}/use`).send({ couponId: uc.couponId, productId: 'p1' }),
      () => stack.api.http.post(`${base}/cancel-use`).send({ couponId: uc.couponId }),
      () => stack.api.http.delete(`${base}?couponId=${uc.couponId}`),
    ];
    for (const step of steps) {
      const key = newKey();
      const first = await step().set('Idempotency-Key', key);
      expect(first.status).toBe(200);
      expectReplayOf(await step().set('Idempotency-Key', key), first);
    }
    expect(await userCouponHistory(db(), uc.id)).toEqual(['issued', 'used', 'use_cancelled', 'deleted']);
  });

  it('keeps 4xx answers other than 401: the retry gets the same 422, 409 or 400 again', async () => {
    const id = await createCoupon(stack.api);
    const key = newKey();
    const refused = await patch(id, { count: -1 }, key);
    expect(refused.body.code).toBe('invalid_count');
    expectReplayOf(await patch(id, { count: -1 }, key), refused);

    const uc = await newUserCoupon(stack.api, db(), 'kept-409');
    const use = () => stack.api.http.post(`/v1/users/${uc.userId}/coupons/${uc.id}/use`).send({ couponId: uc.couponId, productId: 'p' });
    await use().expect(200);
    const conflict = await use().set('Idempotency-Key', key);
    expect(conflict.body.code).toBe('already_used');
    expectReplayOf(await use().set('Idempotency-Key', key), conflict);

    const invalid = await patch(id, { bogus: true }, key + '-400');
    expect(invalid.status).toBe(400);
    expectReplayOf(await patch(id, { bogus: true }, key + '-400'), invalid);
  });

  it('keeps the record IDEMPOTENCY_TTL_SECONDS (24 h by default)', async () => {
    const id = await createCoupon(stack.api);
    await patch(id, { count: 1 }, newKey()).expect(200);
    const [record] = await stack.env.redis.redis.keys(`${stack.env.redis.keyPrefix}idem:*`);
    const ttl = await stack.env.redis.redis.ttl(record!);
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
  });
});

describe('the same key with another request', () => {
  it('another body is 422 idempotency_key_reused and changes nothing', async () => {
    const id = await createCoupon(stack.api);
    const key = newKey();
    await patch(id, { count: 10 }, key).expect(200);
    const reused = await patch(id, { count: 20 }, key);
    expect({ status: reused.status, code: reused.body.code }).toEqual({ status: 422, code: 'idempotency_key_reused' });
    expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await couponState(db(), id)).toMatchObject({ count: 110, history: ['created', 'updated'] });
  });

  it('the same body with its keys in another order is the same request', async () => {
    const id = await createCoupon(stack.api);
    const key = newKey();
    const first = await patch(id, { count: 1, name: 'Same' }, key);
    const retry = await stack.api.http.patch(`/v1/coupons/${id}`).set(stack.api.admin).set('Idempotency-Key', key)
      .set('content-type', 'application/json').send('{ "name": "Same",  "count": 1 }');
    expectReplayOf(retry, first);
  });

  it('the user-coupon DELETE with another couponId query is another request', async () => {
    const uc = await newUserCoupon(stack.api, db(), 'query-user');
    const key = newKey();
    const del = (couponId: number) => stack.api.http.delete(`/v1/users/${uc.userId}/coupons/${uc.id}?couponId=${couponId}`).set('Idempotency-Key', key);
    expect((await del(uc.couponId + 1000)).body.code).toBe('coupon_mismatch');
    expect((await del(uc.couponId)).body.code).toBe('idempotency_key_reused');
  });

  it('is independent on another coupon, another user, another route or another admin token', async () => {
    const key = newKey();
    const [a, b] = [await createCoupon(stack.api), await createCoupon(stack.api)];
    await patch(a, { count: 5 }, key).expect(200);
    const other = await patch(b, { count: 5 }, key);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect((await couponState(db(), b)).count).toBe(105);
    const del = await stack.api.http.delete(`/v1/coupons/${b}`).set(stack.api.admin).set('Idempotency-Key', key);
    expect({ status: del.status, replayed: del.headers['idempotent-replayed'] }).toEqual({ status: 200, replayed: undefined });

    const [u1, u2] = [await newUserCoupon(stack.api, db(), 'scope-1'), await newUserCoupon(stack.api, db(), 'scope-2')];
    for (const uc of [u1, u2]) {
      const res = await stack.api.http.post(`/v1/users/${uc.userId}/coupons/${uc.id}/use`).set('Idempotency-Key', key)
        .send({ couponId: uc.couponId, productId: 'p' });
      expect({ status: res.status, replayed: res.headers['idempotent-replayed'] }).toEqual({ status: 200, replayed: undefined });
    }

    const otherAdmin = await startTestApi(stack.env, { ADMIN_TOKEN: 'another-admin-token' });
    try {
      const res = await otherAdmin.http.patch(`/v1/coupons/${a}`).set('Authorization', 'Bearer another-admin-token')
        .set('Idempotency-Key', key).send({ count: 5 });
      expect({ status: res.status, replayed: res.headers['idempotent-replayed'] }).toEqual({ status: 200, replayed: undefined });
      expect((await couponState(db(), a)).count).toBe(110);
    } finally {
      await otherAdmin.close();
    }
  });
});

describe('responses that are not kept', () => {
  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['with a space', 'my key'],
    ['with a non-ASCII character', 'clé'],
  ])('a malformed key (%s) is 400 validation_failed, changes nothing and keeps nothing', async (_what, key) => {
    const id = await createCoupon(stack.api);
    const res = await patch(id, { count: 1 }, key);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    expect(res.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.any(String) }]);
    expect(await couponState(db(), id)).toMatchObject({ count: 100, history: ['created'] });
  });

  it('accepts 255 visible ASCII characters', async () => {
    const id = await createCoupon(stack.api);
    const key = Array.from({ length: 255 }, (_, i) => String.fromCharCode(0x21 + (i % 94))).join('');
    await patch(id, { count: 1 }, key).expect(200);
    expect((await patch(id, { count: 1 }, key)).headers['idempotent-replayed']).toBe('true');
  });

  it('a 401 is not kept: the retry with the token is processed', async () => {
    const id = await createCoupon(stack.api);
    const key = newKey();
    const denied = await stack.api.http.patch(`/v1/coupons/${id}`).set('Idempotency-Key', key).send({ count: 1 });
    expect(denied.status).toBe(401);
    const res = await patch(id, { count: 1 }, key);
    expect({ status: res.status, replayed: res.headers['idempotent-replayed'] }).toEqual({ status: 200, replayed: undefined });
  });

  it('a 5xx is not kept: the retry is processed afresh', async () => {
    const id = await createCoupon(stack.api);
    const key = newKey();
    // an API whose PostgreSQL is unreachable, on the same Redis slice. (In a real process that
    // is a 503; under jest node's own errors come from another realm and read as a 500.)
    const broken = await startTestApi(stack.env, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    try {
      const failed = await broken.http.patch(`/v1/coupons/${id}`).set(broken.admin).set('Idempotency-Key', key).send({ count: 7 });
      expect(failed.status).toBeGreaterThanOrEqual(500);
    } finally {
      await broken.close();
    }
    const res = await patch(id, { count: 7 }, key);
    expect({ status: res.status, replayed: res.headers['idempotent-replayed'] }).toEqual({ status: 200, replayed: undefined });
    expect(await couponState(db(), id)).toMatchObject({ count: 107, history: ['created', 'updated'] });
  });
});
