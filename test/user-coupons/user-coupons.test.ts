import { couponKeys } from '@coupon/issuance';
import { HOUR } from '../support/builders';
import { createCoupon } from '../support/coupons';
import { expectProblem } from '../support/problems';
import { useTestStack } from '../support/stack';
import { userCouponHelpers } from './helpers';

const stack = useTestStack({ worker: true });
const { ISO_MS, newUser, issue, stored, list, use, cancelUse, remove, row, history, snapshot } = userCouponHelpers(stack);

describe('POST /v1/users/:userId/coupons/:userCouponId/use', () => {
  it('marks an issued coupon used: 200 UserCoupon with productId and usedDate, and a used history row', async () => {
    const userId = newUser();
    const couponId = await createCoupon(stack.api);
    const id = await issue(couponId, userId);
    const res = await use(userId, id, { couponId, productId: 'product:42' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id, userId, couponId, productId: 'product:42', usedDate: expect.stringMatching(ISO_MS), deletedAt: null,
      coupon: expect.objectContaining({ id: couponId, issuedCount: 1 }),
    });
    const after = await row(id);
    expect(after.used_date?.toISOString()).toBe(res.body.usedDate);
    expect(after.updated_at.toISOString()).toBe(res.body.updatedAt);
    expect((await history(id)).map((h) => [h.description, h.product_id, h.used_date?.toISOString() ?? null])).toEqual([
      ['issued', null, null],
      ['used', 'product:42', res.body.usedDate],
    ]);
  });

  it('lets exactly one of 20 concurrent uses win; the others are 409 already_used', async () => {
    const userId = newUser();
    const couponId = await createCoupon(stack.api);
    const id = await issue(couponId, userId);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => use(userId, id, { couponId, productId: `product_${i}` })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(409)]);
    for (const r of results.filter((r) => r.status === 409)) expectProblem(r, 409, 'already_used');
    const winner = results.find((r) => r.status === 200)!;
    const used = (await history(id)).filter((h) => h.description === 'used');
    expect(used).toHaveLength(1);
    expect(used[0]!.product_id).toBe(winner.body.productId);
    expect((await row(id)).product_id).toBe(winner.body.productId);
  });

  it('reports the errors in the seed order', async () => {
    const userId = newUser();
    const couponId = await createCoupon(stack.api);
    const otherCoupon = await createCoupon(stack.api);
    const past = { giveDate: new Date(Date.now() - 3 * HOUR), expireDate: new Date(Date.now() - HOUR) };
    const fresh = await stored({ userId, couponId });
    const used = await stored({ userId, usedDate: new Date(), productId: 'p' });
    const expired = await stored({ userId, ...past });
    const expiredAndUsed = await stored({ userId, ...past, usedDate: new Date(Date.now() - 2 * HOUR), productId: 'p' });
    const deleted = await stored({ userId, deletedAt: new Date() });
    const body = (couponId: number) => ({ couponId, productId: 'p_9' });

    expectProblem(await use(userId, 2147483647, body(couponId)), 404, 'user_coupon_not_found');
    expectProblem(await use(newUser(), fresh.id, body(couponId)), 404, 'user_coupon_not_found');
    expectProblem(await use(newUser(), fresh.id, body(otherCoupon)), 404, 'user_coupon_not_found');
    expectProblem(await use(userId, deleted.id, body(deleted.coupon_id)), 404, 'user_coupon_not_found');
    expectProblem(await use(userId, fresh.id, body(otherCoupon)), 409, 'coupon_mismatch');
    expectProblem(await use(userId, expired.id, body(otherCoupon)), 409, 'coupon_mismatch');
    expectProblem(await use(userId, expired.id, body(expired.coupon_id)), 410, 'user_coupon_expired');
    expectProblem(await use(userId, expiredAndUsed.id, body(expiredAndUsed.coupon_id)), 410, 'user_coupon_expired');
    expectProblem(await use(userId, used.id, body(used.coupon_id)), 409, 'already_used');

    // none of them changed anything
    for (const r of [fresh, used, expired, expiredAndUsed, deleted]) {
      expect(await snapshot(r.id)).toEqual({ row: r, history: [expect.objectContaining({ description: 'issued' })] });
    }
  });

  it.each([
    ['an unknown field', (c: number) => ({ couponId: c, productId: 'p', discount: 100 }), ''],
    ['a missing couponId', () => ({ productId: 'p' }), 'couponId'],
    ['a missing productId', (c: number) => ({ couponId: c }), 'productId'],
    ['a productId of 129 chars', (c: number) => ({ couponId: c, productId: 'p'.repeat(129) }), 'productId'],
    ['a productId with a space', (c: number) => ({ couponId: c, productId: 'p 1' }), 'productId'],
    ['an empty productId', (c: number) => ({ couponId: c, productId: '' }), 'productId'],
    ['couponId as a string', (c: number) => ({ couponId: String(c), productId: 'p' }), 'couponId'],
    ['couponId beyond int4', () => ({ couponId: 2 ** 31, productId: 'p' }), 'couponId'],
    ['a JSON array', () => [], ''],
  ])('rejects %s with 400 and changes nothing', async (_name, makeBody, path) => {
    const userId = newUser();
    const uc = await stored({ userId });
    const before = await snapshot(uc.id);
    const res = await use(userId, uc.id, makeBody(uc.coupon_id));
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.length).toBeGreaterThan(0);
    if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await snapshot(uc.id)).toEqual(before);
  });

  it('rejects malformed path params with 400', async () => {
    const userId = newUser();
    const uc = await stored({ userId });
    const body = { couponId: uc.coupon_id, productId: 'p' };
    expectProblem(await use(userId, 'abc', body), 400, 'validation_failed');
    expectProblem(await use(userId, 0, body), 400, 'validation_failed');
    expectProblem(await use(userId, '2147483648', body), 400, 'validation_failed');
    expectProblem(await use('u'.repeat(129), uc.id, body), 400, 'validation_failed');
    expect((await row(uc.id)).used_date).toBeNull();
  });
});

describe('POST /v1/users/:userId/coupons/:userCouponId/cancel-use', () => {
  it('clears productId and usedDate and appends use_cancelled; the coupon can be used again', async () => {
    const userId = newUser();
    const couponId = await createCoupon(stack.api);
    const id = await issue(couponId, userId);
    await use(userId, id, { couponId, productId: 'p_1' }).expect(200);
    const res = await cancelUse(userId, id, { couponId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, userId, couponId, productId: null, usedDate: null, deletedAt: null });
    expect(await row(id)).toMatchObject({ product_id: null, used_date: null });
    await use(userId, id, { couponId, productId: 'p_2' }).expect(200);
    expect((await history(id)).map((h) => [h.description, h.product_id])).toEqual([
      ['issued', null], ['used', 'p_1'], ['use_cancelled', null], ['used', 'p_2'],
    ]);
  });

  it('reports the errors in the seed order', async () => {
    const userId = newUser();
    const past = { giveDate: new Date(Date.now() - 3 * HOUR), expireDate: new Date(Date.now() - HOUR) };
    const used = await stored({ userId, usedDate: new Date(), productId: 'p' });
    const unused = await stored({ userId });
    const expiredUsed = await stored({ userId, ...past, usedDate: new Date(Date.now() - 2 * HOUR), productId: 'p' });
    const deletedUsed = await stored({ userId, usedDate: new Date(), productId: 'p', deletedAt: new Date() });

    expectProblem(await cancelUse(userId, 2147483647, { couponId: used.coupon_id }), 404, 'user_coupon_not_found');
    expectProblem(await cancelUse(newUser(), used.id, { couponId: used.coupon_id }), 404, 'user_coupon_not_found');
    expectProblem(await cancelUse(userId, deletedUsed.id, { couponId: deletedUsed.coupon_id }), 404, 'user_coupon_not_found');
    expectProblem(await cancelUse(userId, used.id, { couponId: unused.coupon_id }), 409, 'coupon_mismatch');
    expectProblem(await cancelUse(userId, expiredUsed.id, { couponId: expiredUsed.coupon_id }), 410, 'user_coupon_expired');
    expectProblem(await cancelUse(userId, unused.id, { couponId: unused.coupon_id }), 409, 'not_used');
    for (const r of [used, unused, expiredUsed, deletedUsed]) expect((await snapshot(r.id)).row).toEqual(r);
  });

  it('rejects bad bodies with 400 and changes nothing', async () => {
    const userId = newUser();
    const uc = await stored({ userId, usedDate: new Date(), productId: 'p' });
    const before = await snapshot(uc.id);
    expectProblem(await cancelUse(userId, uc.id, {}), 400, 'validation_failed');
    expectProblem(await cancelUse(userId, uc.id, { couponId: uc.coupon_id, productId: 'p' }), 400, 'validation_failed');
    expectProblem(await cancelUse(userId, uc.id, { couponId: 0 }), 400, 'validation_failed');
    expect(await snapshot(uc.id)).toEqual(before);
  });
});

describe('DELETE /v1/users/:userId/coupons/:userCouponId', () => {
  it('soft-deletes once; the second delete is 404; Redis keeps the user, so re-issuing is 409 already_issued', async () => {
    const userId = newUser();
    const couponId = await createCoupon(stack.api);
    const id = await issue(couponId, userId);
    const res = await remove(userId, id, `?couponId=${couponId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, userId, couponId, deletedAt: expect.stringMatching(ISO_MS), coupon: expect.objectContaining({ id: couponId }) });
    expect((await row(id)).deleted_at?.toISOString()).toBe(res.body.deletedAt);

    expectProblem(await remove(userId, id, `?couponId=${couponId}`), 404, 'user_coupon_not_found');
    expect((await list(userId).expect(200)).body.items).toEqual([]);

    expect(await stack.api.ctx.redis.hexists(couponKeys(couponId).users, userId)).toBe(1);
    const again = await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });
    expectProblem(again, 409, 'already_issued');
    expect(again.body.issuanceId).toEqual(expect.any(String));
  });

  it('refuses a wrong couponId with 409 coupon_mismatch and another user with 404, changing nothing', async () => {
    const userId = newUser();
    const uc = await stored({ userId });
    const otherCoupon = await createCoupon(stack.api);
    const before = await snapshot(uc.id);
    expectProblem(await remove(userId, uc.id, `?couponId=${otherCoupon}`), 409, 'coupon_mismatch');
    expectProblem(await remove(newUser(), uc.id, `?couponId=${uc.coupon_id}`), 404, 'user_coupon_not_found');
    expectProblem(await remove(userId, 2147483647, `?couponId=${uc.coupon_id}`), 404, 'user_coupon_not_found');
    expect(await snapshot(uc.id)).toEqual(before);
  });

  it('deletes an expired coupon (housekeeping) and keeps a used one’s product in the history row', async () => {
    const userId = newUser();
    const expired = await stored({ userId, giveDate: new Date(Date.now() - 3 * HOUR), expireDate: new Date(Date.now() - HOUR) });
    await remove(userId, expired.id, `?couponId=${expired.coupon_id}`).expect(200);
    const used = await stored({ userId, usedDate: new Date(), productId: 'p_7' });
    const res = await remove(userId, used.id, `?couponId=${used.coupon_id}`).expect(200);
    expect(res.body).toMatchObject({ productId: 'p_7', usedDate: expect.stringMatching(ISO_MS) });
    expect((await history(used.id)).map((h) => [h.description, h.product_id])).toEqual([['issued', null], ['deleted', 'p_7']]);
  });

  it.each([[''], ['?couponId='], ['?couponId=abc'], ['?couponId=0'], ['?couponId=2147483648']])(
    'rejects %s as the couponId query with 400',
    async (query) => {
      const userId = newUser();
      const uc = await stored({ userId });
      const res = await remove(userId, uc.id, query);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('couponId');
      expect((await row(uc.id)).deleted_at).toBeNull();
    },
  );
});

describe('history', () => {
  it('records issued, used, use_cancelled and deleted in order, each with the state after it', async () => {
    const userId = newUser();
    const couponId = await createCoupon(stack.api);
    const id = await issue(couponId, userId);
    const used = await use(userId, id, { couponId, productId: 'sku-1' }).expect(200);
    await cancelUse(userId, id, { couponId }).expect(200);
    const deleted = await remove(userId, id, `?couponId=${couponId}`).expect(200);

    const rows = await history(id);
    expect(rows.map((h) => ({
      description: h.description,
      productId: h.product_id,
      usedDate: h.used_date?.toISOString() ?? null,
      deletedAt: h.deleted_at?.toISOString() ?? null,
    }))).toEqual([
      { description: 'issued', productId: null, usedDate: null, deletedAt: null },
      { description: 'used', productId: 'sku-1', usedDate: used.body.usedDate, deletedAt: null },
      { description: 'use_cancelled', productId: null, usedDate: null, deletedAt: null },
      { description: 'deleted', productId: null, usedDate: null, deletedAt: deleted.body.deletedAt },
    ]);
  });
});
