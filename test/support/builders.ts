export const HOUR = 3600_000;

export interface CouponBody {
  name?: string;
  type?: 'limited' | 'unlimited';
  count?: number;
  startDate?: string;
  endDate?: string;
  expireMinute?: number;
  discountType?: 'percent' | 'amount';
  discountAmount?: number;
}

/** A limited coupon open now (started an hour ago, ends in a day) unless told otherwise. */
export function couponBody(overrides: CouponBody = {}): Required<CouponBody> {
  const now = Date.now();
  return {
    name: 'Spring sale',
    type: 'limited',
    count: 100,
    startDate: new Date(now - HOUR).toISOString(),
    endDate: new Date(now + 24 * HOUR).toISOString(),
    expireMinute: 7200,
    discountType: 'percent',
    discountAmount: 50,
    ...overrides,
  };
}

export const hoursFromNow = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();
