import fc from 'fast-check';
import { createCoupon } from '../support/coupons';
import { ADMIN_TOKEN } from '../support/env';
import { insertUserCoupon } from '../support/user-coupons';
import { INT4_MAX, anyJson, badText, outOfRangeTimestamp } from './support';
import { useFuzzTarget } from './target';

// What the bad-input suites aim at: real coupons and user coupons, so a validation gap would
// show as a changed row or key. After each test, nothing any bad request did may show: rows,
// Redis keys and values, Object.prototype.
export const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const holder = 'fuzz_holder';

export interface FuzzIds {
  /** a limited coupon with stock left */
  limited: number;
  unlimited: number;
  /** holder's user coupon of `limited` */
  held: number;
  /** holder's used user coupon of `unlimited` */
  used: number;
}

export function useFuzzFixtures() {
  const ids = {} as FuzzIds;
  const fuzz = useFuzzTarget({}, async ({ env, api }) => {
    ids.limited = await createCoupon(api, { count: 10 });
    ids.unlimited = await createCoupon(api, { type: 'unlimited', count: 0, discountType: 'amount', discountAmount: 500 });
    // one accepted issuance waits in the queue (no worker runs here): its keys are part of the snapshot
    expect((await api.http.post(`/v1/coupons/${ids.limited}/issuances`).send({ userId: 'fuzz_pending' })).status).toBe(202);
    ids.held = (await insertUserCoupon(env.database.db, { userId: holder, couponId: ids.limited })).id;
    ids.used = (await insertUserCoupon(env.database.db, { userId: holder, couponId: ids.unlimited, usedDate: new Date(), productId: 'p_1' })).id;
  });
  return { fuzz, ids };
}

export const property = <T>(arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>) =>
  fc.assert(fc.asyncProperty(arb, check), { numRuns: RUNS });

export const notIn = (...valid: unknown[]) => anyJson.filter((v) => !valid.includes(v));
export const notInt = (min: number, max: number) =>
  fc.oneof(anyJson, fc.integer({ max: min - 1 }), fc.constant(max + 1), fc.double({ noNaN: true, min: -1e6, max: 1e6 }))
    .filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max));
const notTimestamp = fc.oneof(anyJson.filter((v) => typeof v !== 'string' || !/^\d{4}-/.test(v)), outOfRangeTimestamp);
const notName = fc.oneof(
  fc.oneof(anyJson, fc.string({ minLength: 101, maxLength: 400 }), fc.constantFrom('', ' ', '\t\n'))
    .filter((v) => typeof v !== 'string' || v.trim().length === 0 || v.length > 100),
  badText,
);

export const couponFields = {
  name: notName,
  type: notIn('limited', 'unlimited'),
  count: notInt(0, INT4_MAX),
  startDate: notTimestamp,
  endDate: notTimestamp,
  expireMinute: notInt(1, INT4_MAX),
  discountType: notIn('percent', 'amount'),
  discountAmount: notInt(1, INT4_MAX),
};
