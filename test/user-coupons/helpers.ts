import { insertUserCoupon, type UserCouponFields } from '../support/user-coupons';
import { createCoupon } from '../support/coupons';
import { settled } from '../support/issuances';
import type { TestStack } from '../support/stack';

// The user-coupon suites' helpers, bound to the file's stack.
export function userCouponHelpers(stack: TestStack) {
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

  return { ISO_MS, newUser, issue, stored, list, use, cancelUse, remove, row, history, snapshot };
}
