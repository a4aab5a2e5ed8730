import { SEQUENCE_GAP_AFTER_LOSS, couponKeys } from '@coupon/issuance';
import { reconcile } from '@coupon/worker/reconcile/reconciler';
import { hoursFromNow } from '../support/builders';
import { createCoupon } from '../support/coupons';
import { settled } from '../support/issuances';
import { eventually } from '../support/processes';
import { startTestWorker } from '../support/worker';
import { useTestStack } from '../support/stack';

const stack = useTestStack({ worker: true });

const issue = (couponId: number | string, userId: string) =>
  stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });

/** Everything a refused request could have touched (settling by the worker changes none of it). */
async function reservationState(couponId: number) {
  const keys = couponKeys(couponId);
  const r = stack.api.ctx.redis;
  const [, records] = await stack.env.redis.redis.scan('0', 'MATCH', `${stack.env.redis.keyPrefix}${keys.issuance('*')}`, 'COUNT', 10_000);
  const counts = await stack.api.ctx.issuanceQueue.getJobCounts();
  return {
    users: await r.hgetall(keys.users),
    seq: await r.get(keys.seq),
    records: records.sort(),
    jobs: Object.values(counts).reduce((a, b) => a + b, 0),
  };
}

describe('POST /v1/coupons/:couponId/issuances', () => {
  it('accepts with 202 and a pending issuance, then the worker issues it', async () => {
    const couponId = await createCoupon(stack.api, { count: 10, expireMinute: 60, discountType: 'amount', discountAmount: 3000 });
    const res = await issue(couponId, 'user_1');
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/v1/issuances/${res.body.issuanceId}`);
    expect(res.body).toEqual({
      issuanceId: expect.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      couponId,
      userId: 'user_1',
      status: 'pending',
      sequence: 1,
      userCouponId: null,
      requestedAt: expect.stringMatching(/\.\d{3}Z$/),
      issuedAt: null,
      failureReason: null,
      queuePosition: 0,
    });

    const done = await settled(stack.api, res.body.issuanceId);
    expect(done).toMatchObject({ status: 'issued', userCouponId: expect.any(Number), issuedAt: expect.stringMatching(/Z$/), queuePosition: null });
    const row = await stack.env.database.db
      .selectFrom('user_coupons_storage').selectAll().where('id', '=', done.userCouponId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ issuance_id: res.body.issuanceId, user_id: 'user_1', coupon_id: couponId, sequence: 1, discount_type: 'amount', discount_amount: 3000 });
    expect(row.give_date.toISOString()).toBe(res.body.requestedAt);
    expect(row.expire_date.getTime()).toBe(row.give_date.getTime() + 60 * 60_000);
    const history = await stack.env.database.db.selectFrom('user_coupons_storage_history').selectAll().where('user_coupon_id', '=', row.id).execute();
    expect(history.map((h) => h.description)).toEqual(['issued']);
    const coupon = await stack.api.http.get(`/v1/coupons/${couponId}`);
    expect(coupon.body).toMatchObject({ issuedCount: 1, remainingStock: 9 });
  });

  it('caps expireDate at the coupon end date', async () => {
    const endDate = hoursFromNow(1);
    const couponId = await createCoupon(stack.api, { endDate, expireMinute: 7 * 24 * 60 });
    const done = await settled(stack.api, (await issue(couponId, 'user_1')).body.issuanceId);
    const row = await stack.env.database.db.selectFrom('user_coupons_storage').selectAll().where('id', '=', done.userCouponId).executeTakeFirstOrThrow();
    expect(row.expire_date.toISOString()).toBe(new Date(endDate).toISOString());
  });

  it('refuses a second issuance to the same user with 409 already_issued naming the first', async () => {
    const couponId = await createCoupon(stack.api);
    const first = await issue(couponId, 'twice');
    const before = await reservationState(couponId);
    const second = await issue(couponId, 'twice');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'already_issued', issuanceId: first.body.issuanceId });
    expect(await reservationState(couponId)).toEqual(before);
  });

  it('refuses when sold out, reserving nothing', async () => {
    const couponId = await createCoupon(stack.api, { count: 2 });
    expect((await issue(couponId, 'a')).status).toBe(202);
    expect((await issue(couponId, 'b')).status).toBe(202);
    const before = await reservationState(couponId);
    const res = await issue(couponId, 'c');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('sold_out');
    expect(await reservationState(couponId)).toEqual(before);
    // more stock opens it again
    await stack.api.http.patch(`/v1/coupons/${couponId}`).set(stack.api.admin).send({ count: 1 }).expect(200);
    expect((await issue(couponId, 'c')).status).toBe(202);
    expect((await issue(couponId, 'd')).body.code).toBe('sold_out');
  });

  it.each([
    ['not started', { startDate: hoursFromNow(1), endDate: hoursFromNow(2) }, 422, 'issuance_not_started'],
    ['ended', { startDate: hoursFromNow(-2), endDate: hoursFromNow(-1) }, 422, 'issuance_ended'],
  ])('refuses a coupon that has %s, reserving nothing', async (_name, window, status, code) => {
    const couponId = await createCoupon(stack.api, window);
    const before = await reservationState(couponId);
    const res = await issue(couponId, 'user_1');
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(await reservationState(couponId)).toEqual(before);
  });

  it('stops issuing a deleted coupon at once', async () => {
    const couponId = await createCoupon(stack.api);
    expect((await issue(couponId, 'early')).status).toBe(202);
    await stack.api.http.delete(`/v1/coupons/${couponId}`).set(stack.api.admin).expect(200);
    const before = await reservationState(couponId);
    const res = await issue(couponId, 'late');
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'coupon_not_found' });
    expect(await reservationState(couponId)).toEqual(before);
  });

  it('is 404 for an unknown coupon and 400 for bad input, reserving nothing', async () => {
    expect((await issue(999999, 'user_1')).body.code).toBe('coupon_not_found');
    expect(await stack.api.ctx.redis.exists(couponKeys(999999).meta)).toBe(0);
    for (const body of [{}, { userId: '' }, { userId: 'x'.repeat(129) }, { userId: 'bad id' }, { userId: 5 }, { userId: 'u', extra: 1 }]) {
      const res = await stack.api.http.post('/v1/coupons/1/issuances').send(body);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    }
    expect((await issue('abc', 'user_1')).status).toBe(400);
  });

  it('snapshots the discount: a later change applies to later issuances only', async () => {
    const couponId = await createCoupon(stack.api, { discountType: 'percent', discountAmount: 10 });
    const before = await settled(stack.api, (await issue(couponId, 'before')).body.issuanceId);
    await stack.api.http.patch(`/v1/coupons/${couponId}`).set(stack.api.admin).send({ discountType: 'amount', discountAmount: 777 }).expect(200);
    const after = await settled(stack.api, (await issue(couponId, 'after')).body.issuanceId);
    const rows = await stack.env.database.db
      .selectFrom('user_coupons_storage').select(['id', 'discount_type', 'discount_amount'])
      .where('id', 'in', [before.userCouponId, after.userCouponId]).orderBy('id').execute();
    expect(rows.map((r) => [r.discount_type, r.discount_amount])).toEqual([['percent', 10], ['amount', 777]]);
  });
});

describe('GET issuances', () => {
  it('finds an issuance by id and by coupon and user; unknown ones are 404 whatever their form', async () => {
    const couponId = await createCoupon(stack.api);
    const accepted = (await issue(couponId, 'finder')).body;
    const byId = await stack.api.http.get(`/v1/issuances/${accepted.issuanceId}`).expect(200);
    expect(byId.body).toMatchObject({ issuanceId: accepted.issuanceId, couponId, userId: 'finder', sequence: 1 });
    const byUser = await stack.api.http.get(`/v1/coupons/${couponId}/issuances/finder`).expect(200);
    expect(byUser.body.issuanceId).toBe(accepted.issuanceId);
    for (const id of ['nope', `${couponId}_00000000000000000000`, '999999_abcdefgh12345678', 'x'.repeat(200), '%00']) {
      const res = await stack.api.http.get(`/v1/issuances/${encodeURIComponent(id)}`);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'issuance_not_found' });
    }
    expect((await stack.api.http.get(`/v1/coupons/${couponId}/issuances/nobody`)).body.code).toBe('issuance_not_found');
  });

  it('falls back to PostgreSQL once the Redis record is gone', async () => {
    const couponId = await createCoupon(stack.api);
    const done = await settled(stack.api, (await issue(couponId, 'archived')).body.issuanceId);
    await stack.api.ctx.redis.del(couponKeys(couponId).issuance(done.issuanceId));
    const res = await stack.api.http.get(`/v1/issuances/${done.issuanceId}`).expect(200);
    expect(res.body).toMatchObject({ issuanceId: done.issuanceId, status: 'issued', userCouponId: done.userCouponId, sequence: 1 });
    await stack.api.ctx.redis.hdel(couponKeys(couponId).users, 'archived');
    const byUser = await stack.api.http.get(`/v1/coupons/${couponId}/issuances/archived`).expect(200);
    expect(byUser.body.userCouponId).toBe(done.userCouponId);
  });

  it('reports the queue position of pending issuances', async () => {
    await stack.worker.close(); // hold the queue so issuances stay pending
    try {
      const couponId = await createCoupon(stack.api);
      const ids = [];
      for (const user of ['p0', 'p1', 'p2']) ids.push((await issue(couponId, user)).body.issuanceId);
      const positions = [];
      for (const id of ids) positions.push((await stack.api.http.get(`/v1/issuances/${id}`)).body.queuePosition);
      expect(positions).toEqual([0, 1, 2]);
    } finally {
      stack.worker = await startTestWorker(stack.env);
    }
  });
});

describe('Redis state lost for a coupon', () => {
  it('is rebuilt from PostgreSQL by the reconciler; issuing resumes without oversell or a second issuance', async () => {
    const couponId = await createCoupon(stack.api, { count: 5 });
    const first = [];
    for (const user of ['r1', 'r2', 'r3']) first.push(await settled(stack.api, (await issue(couponId, user)).body.issuanceId));
    const keys = couponKeys(couponId);
    await stack.api.ctx.redis.del(keys.meta, keys.users, keys.seq, keys.pending);

    const report = await reconcile(stack.worker.ctx);
    expect(report.restored).toBe(1);
    expect(await stack.api.ctx.redis.hlen(keys.users)).toBe(3);
    // past every number that may have been in flight when Redis lost the coupon (invariant 6)
    expect(await stack.api.ctx.redis.get(keys.seq)).toBe(String(3 + SEQUENCE_GAP_AFTER_LOSS));
    expect((await stack.api.http.get(`/v1/coupons/${couponId}`)).body).toMatchObject({ issuedCount: 3, remainingStock: 2 });

    expect((await issue(couponId, 'r1')).body.code).toBe('already_issued');
    const codes = [];
    for (const user of ['n1', 'n2', 'n3', 'n4']) codes.push((await issue(couponId, user)).status);
    expect(codes).toEqual([202, 202, 409, 409]);
    await eventually(async () => ((await stack.api.ctx.redis.zcard(keys.pending)) === 0 ? true : undefined));
    const rows = await stack.env.database.db.selectFrom('user_coupons_storage').select('sequence').where('coupon_id', '=', couponId).orderBy('sequence').execute();
    expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3, SEQUENCE_GAP_AFTER_LOSS + 4, SEQUENCE_GAP_AFTER_LOSS + 5]);
  });

  it('is rebuilt on demand by the API when a request finds no state', async () => {
    const couponId = await createCoupon(stack.api, { count: 2 });
    await settled(stack.api, (await issue(couponId, 'd1')).body.issuanceId);
    const keys = couponKeys(couponId);
    await stack.api.ctx.redis.del(keys.meta, keys.users, keys.seq);
    expect((await issue(couponId, 'd1')).body.code).toBe('already_issued');
    expect((await issue(couponId, 'd2')).status).toBe(202);
    expect((await issue(couponId, 'd3')).body.code).toBe('sold_out');
  });
});

describe('PostgreSQL as the final arbiter', () => {
  it('fails an issuance beyond the stock the database allows and gives the place back', async () => {
    const couponId = await createCoupon(stack.api, { count: 3 });
    // Redis believes in more stock than PostgreSQL has (a lost write, a bad restore)
    await stack.api.ctx.redis.hset(couponKeys(couponId).meta, 'count', 5);
    const accepted = [];
    for (const user of ['a1', 'a2', 'a3', 'a4', 'a5']) accepted.push((await issue(couponId, user)).body.issuanceId);
    const outcomes = [];
    for (const id of accepted) outcomes.push(await settled(stack.api, id));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['failed', 'failed', 'issued', 'issued', 'issued']);
    expect(outcomes.filter((o) => o.status === 'failed').map((o) => o.failureReason)).toEqual(['sold_out', 'sold_out']);
    const { n } = await stack.env.database.db.selectFrom('user_coupons_storage').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('coupon_id', '=', couponId).executeTakeFirstOrThrow();
    expect(n).toBe(3);
    expect(await stack.api.ctx.redis.hlen(couponKeys(couponId).users)).toBe(3);
  });

  it('fails an issuance whose user already holds a row under another issuance, keeping the user marked', async () => {
    const couponId = await createCoupon(stack.api);
    const first = await settled(stack.api, (await issue(couponId, 'holder')).body.issuanceId);
    await stack.api.ctx.redis.hdel(couponKeys(couponId).users, 'holder'); // Redis forgot the holder
    const second = await settled(stack.api, (await issue(couponId, 'holder')).body.issuanceId);
    expect(second).toMatchObject({ status: 'failed', failureReason: 'already_holds_coupon', userCouponId: null });
    expect(first.status).toBe('issued');
    expect(await stack.api.ctx.redis.hget(couponKeys(couponId).users, 'holder')).toBe(second.issuanceId);
    expect((await issue(couponId, 'holder')).body.code).toBe('already_issued');
  });
});

describe('reconciler drift', () => {
  it('reports a coupon whose Redis holders disagree with PostgreSQL, and stays quiet when they agree', async () => {
    const couponId = await createCoupon(stack.api);
    await settled(stack.api, (await issue(couponId, 'agreed')).body.issuanceId);
    const run = () => reconcile(stack.worker.ctx);
    expect((await run()).drift[couponId]).toBeUndefined();
    await stack.api.ctx.redis.hset(couponKeys(couponId).users, 'ghost', 'no-such-issuance');
    expect((await run()).drift[couponId]).toBe(1);
  });
});
