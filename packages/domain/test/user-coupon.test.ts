import {
  checkUserCouponAction, historyDescriptionOf,
  type UserCouponAction, type UserCouponState,
} from '../src';
import { at, thrown } from './support';

const now = at('2023-05-01T00:00:00.000Z');
const use: UserCouponAction = { kind: 'use', couponId: 1, productId: 'product_9' };
const cancel: UserCouponAction = { kind: 'cancel-use', couponId: 1 };
const remove: UserCouponAction = { kind: 'delete', couponId: 1 };
const allActions = [use, cancel, remove];

function aUserCoupon(overrides: Partial<UserCouponState> = {}): UserCouponState {
  return {
    userId: 'user_1234',
    couponId: 1,
    usedDate: null,
    expireDate: at('2023-05-04T00:00:00.000Z'),
    deletedAt: null,
    ...overrides,
  };
}

const used = aUserCoupon({ usedDate: at('2023-04-30T00:00:00.000Z') });
const expired = aUserCoupon({ expireDate: now });

const codeOf = (uc: UserCouponState | undefined, action: UserCouponAction, userId = 'user_1234') =>
  thrown(() => checkUserCouponAction(uc, userId, action, now)).code;
const allows = (uc: UserCouponState, action: UserCouponAction) =>
  expect(() => checkUserCouponAction(uc, 'user_1234', action, now)).not.toThrow();

describe('checkUserCouponAction', () => {
  it('issued → used → issued again on cancel', () => {
    allows(aUserCoupon(), use);
    allows(used, cancel);
  });

  it('any state → deleted', () => {
    allows(aUserCoupon(), remove);
    allows(used, remove);
    allows(expired, remove);
  });

  it.each(allActions)('$kind: absent, deleted or another user\'s is user_coupon_not_found', (action) => {
    expect(codeOf(undefined, action)).toBe('user_coupon_not_found');
    expect(codeOf(aUserCoupon({ deletedAt: now }), action)).toBe('user_coupon_not_found');
    expect(codeOf(aUserCoupon(), action, 'user_9999')).toBe('user_coupon_not_found');
  });

  it.each(allActions)('$kind: another coupon id is coupon_mismatch', (action) => {
    expect(codeOf(used, { ...action, couponId: 2 })).toBe('coupon_mismatch');
    expect(codeOf(aUserCoupon(), { ...action, couponId: 2 })).toBe('coupon_mismatch');
  });

  it('use and cancel-use of an expired coupon are user_coupon_expired (expireDate <= now)', () => {
    expect(codeOf(expired, use)).toBe('user_coupon_expired');
    expect(codeOf({ ...expired, usedDate: now }, cancel)).toBe('user_coupon_expired');
    allows(aUserCoupon({ expireDate: new Date(now.getTime() + 1) }), use);
  });

  it('using a used coupon is already_used', () => {
    expect(codeOf(used, use)).toBe('already_used');
  });

  it('cancelling an unused coupon is not_used', () => {
    expect(codeOf(aUserCoupon(), cancel)).toBe('not_used');
  });

  describe('checks in the seed\'s order', () => {
    it('not found before mismatch: another user\'s coupon with another coupon id', () => {
      for (const action of allActions) {
        expect(codeOf(aUserCoupon(), { ...action, couponId: 2 }, 'user_9999')).toBe(
          'user_coupon_not_found',
        );
      }
    });

    it('not found before everything for a deleted, expired, used coupon', () => {
      const worst = { ...used, expireDate: now, deletedAt: now };
      for (const action of allActions) {
        expect(codeOf(worst, { ...action, couponId: 2 })).toBe('user_coupon_not_found');
      }
    });

    it('mismatch before expired and before the used state', () => {
      expect(codeOf({ ...used, expireDate: now }, { ...use, couponId: 2 })).toBe('coupon_mismatch');
      expect(codeOf(expired, { ...cancel, couponId: 2 })).toBe('coupon_mismatch');
      expect(codeOf(expired, { ...remove, couponId: 2 })).toBe('coupon_mismatch');
    });

    it('expired before already_used / not_used', () => {
      expect(codeOf({ ...used, expireDate: now }, use)).toBe('user_coupon_expired');
      expect(codeOf(expired, cancel)).toBe('user_coupon_expired');
    });
  });
});


describe('historyDescriptionOf', () => {
  it('names each action as the history table does', () => {
    expect(historyDescriptionOf(use)).toBe('used');
    expect(historyDescriptionOf(cancel)).toBe('use_cancelled');
    expect(historyDescriptionOf(remove)).toBe('deleted');
  });
});
