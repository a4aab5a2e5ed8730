import { INT4_MAX, validateCouponDraft, type CouponDraft } from '../src';
import { aDraft, at, failedPaths, thrown } from './support';

const valid = (overrides: Partial<CouponDraft>) =>
  expect(() => validateCouponDraft(aDraft(overrides))).not.toThrow();
const invalid = (overrides: Partial<CouponDraft>) =>
  failedPaths(() => validateCouponDraft(aDraft(overrides)));

describe('validateCouponDraft', () => {
  it('accepts the seed examples (limited and unlimited)', () => {
    valid({});
    valid({ type: 'unlimited', count: 0 });
    valid({ discountType: 'amount', discountAmount: 5000 });
  });

  describe('name', () => {
    it('is 1–100 characters and not blank', () => {
      valid({ name: 'a' });
      valid({ name: 'a'.repeat(100) });
      expect(invalid({ name: 'a'.repeat(101) })).toEqual(['name']);
      expect(invalid({ name: '' })).toEqual(['name']);
      expect(invalid({ name: '   ' })).toEqual(['name']);
    });

    it('counts characters, not UTF-16 units', () => {
      valid({ name: '🎟'.repeat(100) });
      expect(invalid({ name: '🎟'.repeat(101) })).toEqual(['name']);
    });
  });

  describe('type and count', () => {
    it('limited needs count >= 1', () => {
      valid({ type: 'limited', count: 1 });
      valid({ type: 'limited', count: INT4_MAX });
      expect(invalid({ type: 'limited', count: 0 })).toEqual(['count']);
      expect(invalid({ type: 'limited', count: -1 })).toEqual(['count']);
    });

    it('unlimited needs count = 0', () => {
      valid({ type: 'unlimited', count: 0 });
      expect(invalid({ type: 'unlimited', count: 1 })).toEqual(['count']);
      expect(invalid({ type: 'unlimited', count: -1 })).toEqual(['count']);
    });

    it('count fits int4 and is an integer', () => {
      expect(invalid({ count: INT4_MAX + 1 })).toEqual(['count']);
      expect(invalid({ count: 1.5 })).toEqual(['count']);
      expect(invalid({ count: Number.NaN })).toEqual(['count']);
    });

    it('rejects an unknown type', () => {
      expect(invalid({ type: 'forever' as never })).toEqual(['type']);
    });
  });

  describe('dates', () => {
    it('startDate must be before endDate', () => {
      const start = at('2023-04-23T06:00:00.000Z');
      valid({ startDate: start, endDate: new Date(start.getTime() + 1) });
      expect(invalid({ startDate: start, endDate: start })).toEqual(['endDate']);
      expect(invalid({ startDate: start, endDate: new Date(start.getTime() - 1) })).toEqual([
        'endDate',
      ]);
    });

    it('both must be real dates', () => {
      expect(invalid({ startDate: new Date(Number.NaN) })).toEqual(['startDate']);
      expect(invalid({ endDate: new Date(Number.NaN) })).toEqual(['endDate']);
    });
  });

  it('expireMinute is an integer from 1 to INT4_MAX', () => {
    valid({ expireMinute: 1 });
    valid({ expireMinute: INT4_MAX });
    expect(invalid({ expireMinute: 0 })).toEqual(['expireMinute']);
    expect(invalid({ expireMinute: 1.5 })).toEqual(['expireMinute']);
    expect(invalid({ expireMinute: INT4_MAX + 1 })).toEqual(['expireMinute']);
  });

  describe('discount', () => {
    it('percent is an integer from 1 to 100', () => {
      valid({ discountType: 'percent', discountAmount: 1 });
      valid({ discountType: 'percent', discountAmount: 100 });
      expect(invalid({ discountType: 'percent', discountAmount: 0 })).toEqual(['discountAmount']);
      expect(invalid({ discountType: 'percent', discountAmount: 101 })).toEqual(['discountAmount']);
      expect(invalid({ discountType: 'percent', discountAmount: 50.5 })).toEqual([
        'discountAmount',
      ]);
    });

    it('amount is an integer above 0 that fits int4', () => {
      valid({ discountType: 'amount', discountAmount: 1 });
      valid({ discountType: 'amount', discountAmount: 101 });
      valid({ discountType: 'amount', discountAmount: INT4_MAX });
      expect(invalid({ discountType: 'amount', discountAmount: 0 })).toEqual(['discountAmount']);
      expect(invalid({ discountType: 'amount', discountAmount: -5 })).toEqual(['discountAmount']);
      expect(invalid({ discountType: 'amount', discountAmount: INT4_MAX + 1 })).toEqual([
        'discountAmount',
      ]);
      expect(invalid({ discountType: 'amount', discountAmount: 9.99 })).toEqual([
        'discountAmount',
      ]);
    });

    it('rejects an unknown discount type', () => {
      expect(invalid({ discountType: 'bogo' as never })).toEqual(['discountType']);
    });
  });

  it('reports every problem in one error, each with a path and message', () => {
    const error = thrown(() =>
      validateCouponDraft(
        aDraft({
          name: '',
          count: 0,
          startDate: at('2023-05-30T06:00:00.000Z'),
          endDate: at('2023-04-23T06:00:00.000Z'),
          expireMinute: 0,
          discountAmount: 101,
        }),
      ),
    );
    expect(error.code).toBe('validation_failed');
    const errors = error.extra.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path)).toEqual([
      'name', 'count', 'endDate', 'expireMinute', 'discountAmount',
    ]);
    for (const e of errors) expect(e.message).toEqual(expect.any(String));
  });
});
