import { checkIssuable, computeExpireDate } from '../src';
import { at, thrown } from './support';

describe('computeExpireDate', () => {
  const give = at('2023-04-29T00:00:00.000Z');

  it('is giveDate + expireMinute when that comes before the coupon ends', () => {
    expect(computeExpireDate(give, 7200, at('2023-05-30T00:00:00.000Z'))).toEqual(
      at('2023-05-04T00:00:00.000Z'),
    );
    expect(computeExpireDate(give, 1, at('2023-05-30T00:00:00.000Z'))).toEqual(
      at('2023-04-29T00:01:00.000Z'),
    );
  });

  it('is the coupon endDate when giveDate + expireMinute comes later', () => {
    const end = at('2023-05-01T12:00:00.000Z');
    expect(computeExpireDate(give, 7200, end)).toEqual(end);
  });

  it('is either when they are equal', () => {
    const end = at('2023-04-29T01:00:00.000Z');
    expect(computeExpireDate(give, 60, end)).toEqual(end);
  });

  it('returns a fresh Date', () => {
    const end = at('2023-04-29T00:30:00.000Z');
    expect(computeExpireDate(give, 60, end)).not.toBe(end);
  });
});

describe('checkIssuable', () => {
  const coupon = {
    startDate: at('2023-04-29T00:00:00.000Z'),
    endDate: at('2023-05-10T00:00:00.000Z'),
    deletedAt: null,
  };
  const codeAt = (now: Date, c: Parameters<typeof checkIssuable>[0] = coupon) =>
    thrown(() => checkIssuable(c, now)).code;

  it('is issuable from startDate (inclusive) to endDate (exclusive)', () => {
    expect(() => checkIssuable(coupon, coupon.startDate)).not.toThrow();
    expect(() => checkIssuable(coupon, at('2023-05-01T00:00:00.000Z'))).not.toThrow();
    expect(() => checkIssuable(coupon, at('2023-05-09T23:59:59.999Z'))).not.toThrow();
  });

  it('has not started a millisecond before startDate', () => {
    expect(codeAt(at('2023-04-28T23:59:59.999Z'))).toBe('issuance_not_started');
  });

  it('has ended at endDate and after', () => {
    expect(codeAt(coupon.endDate)).toBe('issuance_ended');
    expect(codeAt(at('2024-01-01T00:00:00.000Z'))).toBe('issuance_ended');
  });

  it('a deleted coupon is not found, whatever the time', () => {
    const deleted = { ...coupon, deletedAt: at('2023-05-01T00:00:00.000Z') };
    expect(codeAt(at('2023-05-02T00:00:00.000Z'), deleted)).toBe('coupon_not_found');
    expect(codeAt(at('2023-01-01T00:00:00.000Z'), deleted)).toBe('coupon_not_found');
    expect(codeAt(at('2024-01-01T00:00:00.000Z'), deleted)).toBe('coupon_not_found');
  });
});
