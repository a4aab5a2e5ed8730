import fc from 'fast-check';
import { DomainError, checkIssuable, computeExpireDate } from '@coupon/domain';
import type { CouponSnapshot } from '@coupon/issuance';
import { useTestStack } from '../support/stack';

// The domain's issuance rules are the oracle of the reservation script that ships: the same
// coupon, the same instant, through checkIssuable/computeExpireDate and through reserve-5.lua.
const stack = useTestStack();
let nextId = 1_000_000;

const MINUTE = 60_000;
// offsets from now, kept 2 s clear of it so the instant the script reads (Redis TIME, a few
// ms later than ours) is on the same side of every boundary
const offset = fc.integer({ min: -600, max: 600 }).filter((m) => m !== 0).map((m) => m * MINUTE / 4);

const cases = fc.record({
  start: offset,
  length: fc.integer({ min: 1, max: 2400 }).map((m) => m * MINUTE / 4),
  deleted: fc.boolean(),
  type: fc.constantFrom('limited' as const, 'unlimited' as const),
  expireMinute: fc.integer({ min: 1, max: 60 * 24 * 30 }),
});

async function redisNow(): Promise<number> {
  const [seconds, micros] = await stack.api.ctx.redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

function expectedCode(coupon: CouponSnapshot, now: number): string | null {
  try {
    checkIssuable(coupon, new Date(now));
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
}

const codeOfRefusal = { deleted: 'coupon_not_found', not_started: 'issuance_not_started', ended: 'issuance_ended', sold_out: 'sold_out' } as const;

it('reserve-5.lua refuses and accepts exactly as checkIssuable says, with the expiry computeExpireDate gives', async () => {
  await fc.assert(fc.asyncProperty(cases, async (c) => {
    const now = await redisNow();
    const startDate = new Date(now + c.start);
    const coupon: CouponSnapshot = {
      id: nextId++, type: c.type, count: c.type === 'limited' ? 10 : 0,
      startDate, endDate: new Date(startDate.getTime() + c.length), deletedAt: c.deleted ? new Date(now) : null,
      expireMinute: c.expireMinute, discountType: 'percent', discountAmount: 10, version: 1,
    };
    // both ends of the window stay 2 s away from the instant either side reads
    fc.pre(Math.abs(coupon.endDate.getTime() - now) >= 2000);
    await stack.api.ctx.issuance.mirror(coupon, { created: true });

    const reservation = await stack.api.ctx.issuance.reserve(coupon.id, 'oracle');
    const expected = expectedCode(coupon, now);
    if (reservation.kind === 'accepted') {
      expect({ expected }).toEqual({ expected: null });
      const expireAt = computeExpireDate(new Date(reservation.item.requestedAt), coupon.expireMinute, coupon.endDate);
      expect(reservation.item.expireAt).toBe(expireAt.getTime());
    } else {
      expect(reservation.kind).toBe('refused');
      expect(codeOfRefusal[(reservation as { reason: keyof typeof codeOfRefusal }).reason]).toBe(expected);
    }
  }), { numRuns: 200 });
});
