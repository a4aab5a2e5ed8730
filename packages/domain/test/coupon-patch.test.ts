import { INT4_MAX, applyCouponPatch, changesCoupon, type CouponPatch } from '../src';
import { aDraft, at, failedPaths, randomInts, thrown } from './support';

const codeOf = (patch: CouponPatch, current = aDraft()) =>
  thrown(() => applyCouponPatch(current, patch)).code;

describe('applyCouponPatch', () => {
  describe('type', () => {
    it('may be sent unchanged', () => {
      expect(applyCouponPatch(aDraft(), { type: 'limited' }).type).toBe('limited');
    });

    it('cannot change, either way', () => {
      expect(codeOf({ type: 'unlimited' })).toBe('coupon_type_immutable');
      const unlimited = aDraft({ type: 'unlimited', count: 0 });
      expect(codeOf({ type: 'limited', count: 100 }, unlimited)).toBe('coupon_type_immutable');
    });
  });

  describe('count adds stock', () => {
    it('stacks, as in the seed: 100 then +100 is 200', () => {
      expect(applyCouponPatch(aDraft({ count: 100 }), { count: 100 }).count).toBe(200);
    });

    it('stacks over repeated updates', () => {
      let coupon = aDraft({ count: 1 });
      for (const added of [0, 5, 10, 1000]) coupon = applyCouponPatch(coupon, { count: added });
      expect(coupon.count).toBe(1016);
    });

    it('+0 leaves a limited coupon as it was', () => {
      expect(applyCouponPatch(aDraft({ count: 7 }), { count: 0 }).count).toBe(7);
    });

    it('is the sum for any additions that fit int4 (generated)', () => {
      const rand = randomInts(42);
      for (let i = 0; i < 200; i += 1) {
        const start = rand(1, INT4_MAX);
        const added = rand(0, INT4_MAX - start);
        expect(applyCouponPatch(aDraft({ count: start }), { count: added }).count).toBe(
          start + added,
        );
      }
    });

    it('limited: a negative or fractional count is invalid_count (stock never shrinks)', () => {
      expect(codeOf({ count: -1 })).toBe('invalid_count');
      expect(codeOf({ count: 1.5 })).toBe('invalid_count');
      expect(codeOf({ count: Number.NaN })).toBe('invalid_count');
    });

    it('unlimited: only 0 is accepted', () => {
      const unlimited = aDraft({ type: 'unlimited', count: 0 });
      expect(applyCouponPatch(unlimited, { count: 0 }).count).toBe(0);
      expect(codeOf({ count: 5 }, unlimited)).toBe('invalid_count');
      expect(codeOf({ count: -1 }, unlimited)).toBe('invalid_count');
    });

    it('the resulting stock must fit int4', () => {
      const coupon = aDraft({ count: INT4_MAX - 10 });
      expect(applyCouponPatch(coupon, { count: 10 }).count).toBe(INT4_MAX);
      expect(codeOf({ count: 11 }, coupon)).toBe('invalid_count');
      expect(codeOf({ count: INT4_MAX }, aDraft({ count: 1 }))).toBe('invalid_count');
    });
  });

  it('replaces the other fields', () => {
    const patch = {
      name: 'Summer sale',
      startDate: at('2023-06-01T00:00:00.000Z'),
      endDate: at('2023-07-01T00:00:00.000Z'),
      expireMinute: 60,
      discountType: 'amount',
      discountAmount: 3000,
    } as const;
    expect(applyCouponPatch(aDraft(), patch)).toEqual({ ...aDraft(), ...patch });
  });

  it('an empty patch returns an equal draft', () => {
    expect(applyCouponPatch(aDraft(), {})).toEqual(aDraft());
  });

  it('ignores fields present as undefined', () => {
    expect(applyCouponPatch(aDraft(), { name: undefined, count: undefined })).toEqual(aDraft());
  });

  it('validates the result with the create rules', () => {
    const current = aDraft();
    expect(failedPaths(() => applyCouponPatch(current, { startDate: current.endDate }))).toEqual([
      'endDate',
    ]);
    expect(failedPaths(() => applyCouponPatch(current, { discountAmount: 101 }))).toEqual([
      'discountAmount',
    ]);
    // switching to percent keeps an amount of 5000, which percent does not allow
    const amountCoupon = aDraft({ discountType: 'amount', discountAmount: 5000 });
    expect(failedPaths(() => applyCouponPatch(amountCoupon, { discountType: 'percent' }))).toEqual(
      ['discountAmount'],
    );
    expect(failedPaths(() => applyCouponPatch(current, { name: '' }))).toEqual(['name']);
  });

  it('checks type, then count, then the create rules', () => {
    expect(codeOf({ type: 'unlimited', count: -1, discountAmount: 0 })).toBe(
      'coupon_type_immutable',
    );
    expect(codeOf({ count: -1, discountAmount: 0 })).toBe('invalid_count');
    expect(codeOf({ count: 1, discountAmount: 0 })).toBe('validation_failed');
  });

  it('never mutates its inputs', () => {
    const current = aDraft();
    const patch: CouponPatch = { count: 5, endDate: at('2023-06-30T00:00:00.000Z') };
    const before = { current: structuredClone(current), patch: structuredClone(patch) };
    const next = applyCouponPatch(current, patch);
    expect({ current, patch }).toEqual(before);
    expect(next).not.toBe(current);
    expect(next.startDate).not.toBe(current.startDate);
    expect(next.endDate).not.toBe(patch.endDate);
  });
});

describe('changesCoupon', () => {
  const unchanged = (patch: CouponPatch, current = aDraft()) => !changesCoupon(current, applyCouponPatch(current, patch));

  it('is false for an empty patch, equal values and count 0', () => {
    expect(unchanged({})).toBe(true);
    expect(unchanged({ count: 0 })).toBe(true);
    expect(unchanged({ type: 'limited', name: 'Spring sale', discountType: 'percent', discountAmount: 50, expireMinute: 7200 })).toBe(true);
    expect(unchanged({ type: 'unlimited', count: 0 }, aDraft({ type: 'unlimited', count: 0 }))).toBe(true);
  });

  it('compares dates by instant, not by object or zone', () => {
    expect(unchanged({ startDate: new Date('2023-04-23T15:00:00.000+09:00'), endDate: at('2023-05-30T06:00:00.000Z') })).toBe(true);
    expect(unchanged({ startDate: at('2023-04-23T06:00:00.001Z') })).toBe(false);
  });

  it('is true as soon as one field differs, count 0 beside it included', () => {
    for (const patch of [
      { name: 'Summer sale' }, { count: 1 }, { endDate: at('2023-05-31T06:00:00.000Z') }, { expireMinute: 1 },
      { discountAmount: 49 }, { discountType: 'amount' as const, count: 0 },
    ]) {
      expect({ patch, unchanged: unchanged(patch) }).toEqual({ patch, unchanged: false });
    }
  });
});
