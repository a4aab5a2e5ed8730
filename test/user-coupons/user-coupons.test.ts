import { couponKeys } from '@coupon/issuance';
import { HOUR } from '../support/builders';
import { createCoupon } from '../support/coupons';
import { settled } from '../support/issuances';
import { expectProblem } from '../support/problems';
import { insertUserCoupon, type UserCouponFields } from '../support/user-coupons';
import { useTestStack } from '../support/stack';

const stack = useTestStack({ worker: true });

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
let users = 0;
/** A user of this test only, so listings never see another test's rows. */
const newUser = () => `user_${++users}`;

/** The real flow: 202, the worker persists, the issuance reports the user coupon id. */
async function issue(couponId: number, userId: string): Promise<number> {
  const res = await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });
  expect(res.status).toBe(202);
  const done = await settled(stack.api, res.body.issuanceId);
  expect(done.status).toBe('issued');
  return done.userCouponId;
}

/** A row written directly, on a coupon of its own (one user coupon per user and coupon). */
async function stored(fields: Partial<UserCouponFields> & { userId: string }) {
  return insertUserCoupon(stack.env.database.db, { couponId: fields.couponId ?? (await createCoupon(stack.api)), ...fields });
}

const list = (userId: string, query = '') => stack.api.http.get(`/v1/users/${userId}/coupons${query}`);
const use = (userId: string, id: number | string, body: object) =>
  stack.api.http.post(`/v1/users/${userId}/coupons/${id}/use`).send(body);
const cancelUse = (userId: string, id: number | string, body: object) =>
  stack.api.http.post(`/v1/users/${userId}/coupons/${id}/cancel-use`).send(body);
const remove = (userId: string, id: number | string, query: string) =>
  stack.api.http.delete(`/v1/users/${userId}/coupons/${id}${query}`);

function row(id: number) {
  return stack.env.database.db.selectFrom('user_coupons_storage').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

function history(id: number) {
  return stack.env.database.db
    .selectFrom('user_coupons_storage_history')
    .selectAll()
    .where('user_coupon_id', '=', id)
    .orderBy('id')
    .execute();
}

/** The row and its history, to show that a refused request changed nothing. */
async function snapshot(id: number) {
  return { row: await row(id), history: await history(id) };
}

describe('GET /v1/users/:userId/coupons', () => {
  it('lists an issued coupon in the API.md shape with its coupon embedded', async () => {
    const userId = newUser();
    const couponId = await createCoupon(stack.api, { expireMinute: 60, discountType: 'amount', discountAmount: 3000 });
    const id = await issue(couponId, userId);
    const coupon = (await stack.api.http.get(`/v1/coupons/${couponId}`).expect(200)).body;
    expect(coupon).toMatchObject({ issuedCount: 1, remainingStock: 99 });

    const res = await list(userId).expect(200);
    const stored = await row(id);
    expect(res.body).toEqual({
      items: [
        {
          id,
          userId,
          couponId,
          sequence: 1,
          productId: null,
          giveDate: stored.give_date.toISOString(),
          usedDate: null,
          expireDate: new Date(stored.give_date.getTime() + HOUR).toISOString(),
          discountType: 'amount',
          discountAmount: 3000,
          createdAt: expect.stringMatching(ISO_MS),
          updatedAt: expect.stringMatching(ISO_MS),
          deletedAt: null,
          coupon,
        },
      ],
      nextCursor: null,
    });
  });

  it('pages 7 coupons by 3: 3, 3, 1, newest first, no gaps or repeats, nextCursor null at the end', async () => {
    const userId = newUser();
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push((await stored({ userId })).id);
    const newestFirst = [...ids].sort((a, b) => b - a);

    const pages: number[][] = [];
    let cursor: number | null = null;
    do {
      const query: string = `?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const res = await list(userId, query).expect(200);
      const pageIds: number[] = res.body.items.map((item: { id: number }) => item.id);
      pages.push(pageIds);
      cursor = res.body.nextCursor;
      if (cursor !== null) expect(cursor).toBe(pageIds[pageIds.length - 1]);
    } while (cursor !== null && pages.length < 10);

    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(newestFirst);
  });

  it('says null when the last page is exactly full, and pages on from any cursor', async () => {
    const userId = newUser();
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await stored({ userId })).id);
    const full = await list(userId, '?limit=4').expect(200);
    expect(full.body.items).toHaveLength(4);
    expect(full.body.nextCursor).toBeNull();

    const below = await list(userId, `?cursor=${ids[2]}`).expect(200);
    expect(below.body.items.map((i: { id: number }) => i.id)).toEqual([ids[1], ids[0]]);
    expect((await list(userId, `?cursor=${ids[0]}`).expect(200)).body).toEqual({ items: [], nextCursor: null });
    expect((await list(newUser()).expect(200)).body).toEqual({ items: [], nextCursor: null });
  });

  it('returns 20 by default and at most 100', async () => {
    const userId = newUser();
    const couponIds = await Promise.all(Array.from({ length: 21 }, () => createCoupon(stack.api)));
    for (const couponId of couponIds) await stored({ userId, couponId });
    const byDefault = await list(userId).expect(200);
    expect(byDefault.body.items).toHaveLength(20);
    expect(byDefault.body.nextCursor).toBe(byDefault.body.items[19].id);
    const all = await list(userId, '?limit=100').expect(200);
    expect(all.body.items).toHaveLength(21);
    expect(all.body.nextCursor).toBeNull();
  });

  it('hides deleted and expired coupons and those of other users', async () => {
    const userId = newUser();
    const visible = await stored({ userId });
    const used = await stored({ userId, usedDate: new Date(), productId: 'p_1' });
    await stored({ userId, deletedAt: new Date() });
    await stored({ userId, giveDate: new Date(Date.now() - 3 * HOUR), expireDate: new Date(Date.now() - HOUR) });
    await stored({ userId: newUser() });

    const res = await list(userId).expect(200);
    expect(res.body.items.map((i: { id: number }) => i.id)).toEqual([used.id, visible.id]);
    expect(res.body.items[0]).toMatchObject({ productId: 'p_1', usedDate: expect.stringMatching(ISO_MS) });
  });

  it('still lists a coupon whose coupon was deleted by the admin, showing the coupon as deleted', async () => {
    const userId = newUser();
    const couponId = await createCoupon(stack.api);
    await stored({ userId, couponId });
    await stack.api.http.delete(`/v1/coupons/${couponId}`).set(stack.api.admin).expect(200);
    const res = await list(userId).expect(200);
    expect(res.body.items[0].coupon).toMatchObject({ id: couponId, deletedAt: expect.stringMatching(ISO_MS) });
  });

  it.each([
    ['limit=0'], ['limit=101'], ['limit=abc'], ['limit=-1'], ['limit=1.5'], ['limit='], ['limit=1&limit=2'],
    ['cursor=0'], ['cursor=abc'], ['cursor=2147483648'], ['cursor=-5'],
  ])('rejects ?%s with 400 validation_failed', async (query) => {
    const res = await list(newUser(), `?${query}`);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: query.split('=')[0] })]);
  });

  it('rejects a userId that is not an opaque id with 400', async () => {
    expectProblem(await list('x'.repeat(129)), 400, 'validation_failed');
    expectProblem(await list('bad%20user'), 400, 'validation_failed');
    await list('x'.repeat(128)).expect(200);
  });
});

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
