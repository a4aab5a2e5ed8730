import { HOUR } from '../support/builders';
import { createCoupon } from '../support/coupons';
import { expectProblem } from '../support/problems';
import { useTestStack } from '../support/stack';
import { userCouponHelpers } from './helpers';

const stack = useTestStack({ worker: true });
const { ISO_MS, newUser, issue, stored, list, row } = userCouponHelpers(stack);

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
