import { couponKeys } from '@coupon/issuance';
import { couponBody, hoursFromNow } from '../support/builders';
import { startTestApi } from '../support/api';
import { expectProblem } from '../support/problems';
import { useTestStack } from '../support/stack';

const stack = useTestStack();

const create = (body: object = couponBody()) => stack.api.http.post('/v1/coupons').set(stack.api.admin).send(body);

async function rowCounts() {
  const db = stack.env.database.db;
  const coupons = await db.selectFrom('coupons').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const history = await db.selectFrom('coupons_history').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { coupons: coupons.n, history: history.n };
}

describe('POST /v1/coupons', () => {
  it('creates a limited coupon: 201, Location, the API.md shape, a history row and the Redis mirror', async () => {
    const body = couponBody({ count: 100, startDate: '2026-05-01T06:00:00Z', endDate: '2099-05-01T06:00:00Z' });
    const res = await create(body);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/coupons/${res.body.id}`);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: 'Spring sale',
      type: 'limited',
      count: 100,
      remainingStock: 100,
      issuedCount: 0,
      startDate: '2026-05-01T06:00:00.000Z',
      endDate: '2099-05-01T06:00:00.000Z',
      expireMinute: 7200,
      discountType: 'percent',
      discountAmount: 50,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: expect.stringMatching(/Z$/),
      deletedAt: null,
    });
    const meta = await stack.api.ctx.redis.hgetall(couponKeys(res.body.id).meta);
    expect(meta).toMatchObject({ type: 'limited', count: '100', deleted: '0', version: '1' });
  });

  it('creates an unlimited coupon with count omitted: remainingStock is null', async () => {
    const { count: _count, ...body } = couponBody({ type: 'unlimited', discountType: 'amount', discountAmount: 3000 });
    const res = await create(body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'unlimited', count: 0, remainingStock: null, discountType: 'amount', discountAmount: 3000 });
  });

  it('reads timestamps without an offset in APP_TIMEZONE', async () => {
    const seoul = await startTestApi(stack.env, { APP_TIMEZONE: 'Asia/Seoul' });
    try {
      const res = await seoul.http
        .post('/v1/coupons')
        .set(seoul.admin)
        .send(couponBody({ startDate: '2023-04-23T15:05:51', endDate: '2099-01-01T09:00:00' }));
      expect(res.status).toBe(201);
      expect(res.body.startDate).toBe('2023-04-23T06:05:51.000Z');
      expect(res.body.endDate).toBe('2099-01-01T00:00:00.000Z');
    } finally {
      await seoul.close();
    }
  });

  it.each([
    ['limited with count 0', couponBody({ count: 0 }), 'count'],
    ['unlimited with count 5', couponBody({ type: 'unlimited', count: 5 }), 'count'],
    ['empty name', couponBody({ name: '' }), 'name'],
    ['name of 101 chars', couponBody({ name: 'x'.repeat(101) }), 'name'],
    ['start after end', couponBody({ startDate: hoursFromNow(5), endDate: hoursFromNow(1) }), 'endDate'],
    ['expireMinute 0', couponBody({ expireMinute: 0 }), 'expireMinute'],
    ['percent over 100', couponBody({ discountAmount: 101 }), 'discountAmount'],
    ['amount 0', couponBody({ discountType: 'amount', discountAmount: 0 }), 'discountAmount'],
    ['fractional amount', couponBody({ discountType: 'amount', discountAmount: 1.5 }), 'discountAmount'],
    ['unknown type', { ...couponBody(), type: 'forever' }, 'type'],
    ['bad date', couponBody({ startDate: 'yesterday' }), 'startDate'],
    ['impossible date', couponBody({ startDate: '2023-02-30T00:00:00' }), 'startDate'],
    ['count as string', { ...couponBody(), count: '100' }, 'count'],
    ['unknown field', { ...couponBody(), couponsStock: 5 }, ''],
    ['count beyond int4', couponBody({ count: 2 ** 31 }), 'count'],
  ])('rejects %s with 400 validation_failed and changes nothing', async (_name, body, path) => {
    const before = await rowCounts();
    const res = await create(body);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.any(String) })]));
    if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await rowCounts()).toEqual(before);
  });

  it('rejects malformed JSON with 400 and an oversized body with 413', async () => {
    const bad = await stack.api.http.post('/v1/coupons').set(stack.api.admin).set('Content-Type', 'application/json').send('{"name":');
    expectProblem(bad, 400, 'validation_failed');
    const huge = await create({ ...couponBody(), name: 'x'.repeat(70 * 1024) });
    expectProblem(huge, 413, 'payload_too_large');
  });

  it('needs the admin token: 401 without it or with a wrong one', async () => {
    const before = await rowCounts();
    expectProblem(await stack.api.http.post('/v1/coupons').send(couponBody()), 401, 'unauthorized');
    expectProblem(await stack.api.http.post('/v1/coupons').set('Authorization', 'Bearer nope').send(couponBody()), 401, 'unauthorized');
    expect(await rowCounts()).toEqual(before);
  });
});

describe('GET /v1/coupons and /v1/coupons/:couponId', () => {
  it('lists open and upcoming coupons by id, without ended or deleted ones', async () => {
    const open = (await create()).body;
    const upcoming = (await create(couponBody({ startDate: hoursFromNow(10), endDate: hoursFromNow(20) }))).body;
    const ended = (await create(couponBody({ startDate: hoursFromNow(-20), endDate: hoursFromNow(-10) }))).body;
    const deleted = (await create()).body;
    await stack.api.http.delete(`/v1/coupons/${deleted.id}`).set(stack.api.admin).expect(200);

    const res = await stack.api.http.get('/v1/coupons').expect(200);
    const ids = res.body.coupons.map((c: { id: number }) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).toEqual(expect.arrayContaining([open.id, upcoming.id]));
    expect(ids).not.toContain(ended.id);
    expect(ids).not.toContain(deleted.id);
  });

  it('gets one coupon; unknown, deleted and malformed ids are 404 / 400', async () => {
    const coupon = (await create()).body;
    expect((await stack.api.http.get(`/v1/coupons/${coupon.id}`).expect(200)).body).toEqual(coupon);
    expectProblem(await stack.api.http.get('/v1/coupons/999999'), 404, 'coupon_not_found');
    expectProblem(await stack.api.http.get('/v1/coupons/abc'), 400, 'validation_failed');
    expectProblem(await stack.api.http.get('/v1/coupons/0'), 400, 'validation_failed');
    expectProblem(await stack.api.http.get('/v1/coupons/2147483648'), 400, 'validation_failed');
    await stack.api.http.delete(`/v1/coupons/${coupon.id}`).set(stack.api.admin).expect(200);
    expectProblem(await stack.api.http.get(`/v1/coupons/${coupon.id}`), 404, 'coupon_not_found');
  });

  it('falls back to PostgreSQL counts when Redis has no state for the coupon', async () => {
    const coupon = (await create(couponBody({ count: 10 }))).body;
    const keys = couponKeys(coupon.id);
    await stack.api.ctx.redis.del(keys.meta, keys.users, keys.seq);
    const res = await stack.api.http.get(`/v1/coupons/${coupon.id}`).expect(200);
    expect(res.body).toMatchObject({ issuedCount: 0, remainingStock: 10 });
  });
});

describe('PATCH /v1/coupons/:couponId', () => {
  it('adds count to stock: 100 then +100 gives 200, in PostgreSQL and in Redis', async () => {
    const coupon = (await create(couponBody({ count: 100 }))).body;
    const res = await stack.api.http.patch(`/v1/coupons/${coupon.id}`).set(stack.api.admin).send({ count: 100 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ count: 200, remainingStock: 200 });
    expect(await stack.api.ctx.redis.hget(couponKeys(coupon.id).meta, 'count')).toBe('200');
    const again = await stack.api.http.patch(`/v1/coupons/${coupon.id}`).set(stack.api.admin).send({ count: 0, name: 'Renamed' });
    expect(again.body).toMatchObject({ count: 200, name: 'Renamed' });
  });

  it('changes the discount and the window', async () => {
    const coupon = (await create()).body;
    const endDate = hoursFromNow(48);
    const res = await stack.api.http
      .patch(`/v1/coupons/${coupon.id}`)
      .set(stack.api.admin)
      .send({ discountType: 'amount', discountAmount: 5000, endDate });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ discountType: 'amount', discountAmount: 5000, endDate: new Date(endDate).toISOString() });
    expect(await stack.api.ctx.redis.hget(couponKeys(coupon.id).meta, 'discountAmount')).toBe('5000');
  });

  it('keeps the type: the same type is accepted, another is 422 coupon_type_immutable', async () => {
    const coupon = (await create()).body;
    await stack.api.http.patch(`/v1/coupons/${coupon.id}`).set(stack.api.admin).send({ type: 'limited' }).expect(200);
    expectProblem(
      await stack.api.http.patch(`/v1/coupons/${coupon.id}`).set(stack.api.admin).send({ type: 'unlimited' }),
      422,
      'coupon_type_immutable',
    );
  });

  it('refuses counts that cannot apply with 422 invalid_count, changing nothing', async () => {
    const limited = (await create(couponBody({ count: 100 }))).body;
    const { count: _c, ...unlimitedBody } = couponBody({ type: 'unlimited' });
    const unlimited = (await create(unlimitedBody)).body;
    expectProblem(await stack.api.http.patch(`/v1/coupons/${limited.id}`).set(stack.api.admin).send({ count: -1 }), 422, 'invalid_count');
    expectProblem(await stack.api.http.patch(`/v1/coupons/${unlimited.id}`).set(stack.api.admin).send({ count: 5 }), 422, 'invalid_count');
    expectProblem(
      await stack.api.http.patch(`/v1/coupons/${limited.id}`).set(stack.api.admin).send({ count: 2147483600 }),
      422,
      'invalid_count',
    );
    expect((await stack.api.http.get(`/v1/coupons/${limited.id}`)).body.count).toBe(100);
  });

  it('validates the patched coupon as a whole (start must stay before end)', async () => {
    const coupon = (await create()).body;
    const res = await stack.api.http.patch(`/v1/coupons/${coupon.id}`).set(stack.api.admin).send({ startDate: hoursFromNow(100) });
    expectProblem(res, 400, 'validation_failed');
    expectProblem(await stack.api.http.patch(`/v1/coupons/${coupon.id}`).set(stack.api.admin).send({ bogus: 1 }), 400, 'validation_failed');
  });

  it('is 404 for unknown or deleted coupons and 401 without the token', async () => {
    const coupon = (await create()).body;
    expectProblem(await stack.api.http.patch('/v1/coupons/999999').set(stack.api.admin).send({ name: 'x' }), 404, 'coupon_not_found');
    expectProblem(await stack.api.http.patch(`/v1/coupons/${coupon.id}`).send({ name: 'x' }), 401, 'unauthorized');
    await stack.api.http.delete(`/v1/coupons/${coupon.id}`).set(stack.api.admin).expect(200);
    expectProblem(await stack.api.http.patch(`/v1/coupons/${coupon.id}`).set(stack.api.admin).send({ name: 'x' }), 404, 'coupon_not_found');
  });
});

describe('DELETE /v1/coupons/:couponId', () => {
  it('soft-deletes once, marks the Redis mirror deleted; the second delete is 404', async () => {
    const coupon = (await create()).body;
    const res = await stack.api.http.delete(`/v1/coupons/${coupon.id}`).set(stack.api.admin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: coupon.id, deletedAt: expect.stringMatching(/Z$/) });
    expect(await stack.api.ctx.redis.hget(couponKeys(coupon.id).meta, 'deleted')).toBe('1');
    expectProblem(await stack.api.http.delete(`/v1/coupons/${coupon.id}`).set(stack.api.admin), 404, 'coupon_not_found');
    expectProblem(await stack.api.http.delete('/v1/coupons/999999').set(stack.api.admin), 404, 'coupon_not_found');
    expectProblem(await stack.api.http.delete(`/v1/coupons/${coupon.id}`), 401, 'unauthorized');
  });
});

describe('GET /v1/coupons/:couponId/history', () => {
  it('lists created, updated and deleted snapshots, oldest first', async () => {
    const coupon = (await create(couponBody({ count: 100 }))).body;
    await stack.api.http.patch(`/v1/coupons/${coupon.id}`).set(stack.api.admin).send({ count: 50, name: 'Bigger' }).expect(200);
    await stack.api.http.delete(`/v1/coupons/${coupon.id}`).set(stack.api.admin).expect(200);
    const res = await stack.api.http.get(`/v1/coupons/${coupon.id}/history`).set(stack.api.admin).expect(200);
    expect(res.body.history).toEqual([
      expect.objectContaining({ couponId: coupon.id, description: 'created', count: 100, name: 'Spring sale', deletedAt: null }),
      expect.objectContaining({ couponId: coupon.id, description: 'updated', count: 150, name: 'Bigger', deletedAt: null }),
      expect.objectContaining({ couponId: coupon.id, description: 'deleted', count: 150, deletedAt: expect.stringMatching(/Z$/) }),
    ]);
    const ids = res.body.history.map((h: { id: number }) => h.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('is 401 without the token and 404 for an unknown coupon', async () => {
    const coupon = (await create()).body;
    expectProblem(await stack.api.http.get(`/v1/coupons/${coupon.id}/history`), 401, 'unauthorized');
    expectProblem(await stack.api.http.get('/v1/coupons/999999/history').set(stack.api.admin), 404, 'coupon_not_found');
  });
});

describe('routing', () => {
  it('answers unknown routes with a 404 problem', async () => {
    expectProblem(await stack.api.http.get('/v1/nothing-here'), 404, 'not_found');
  });
});
