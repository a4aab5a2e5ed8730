import fc from 'fast-check';
import { couponKeys } from '@coupon/issuance';
import { createCoupon } from '../support/coupons';
import { eventually } from '../support/processes';
import { useTestStack } from '../support/stack';

// Invariants 1-3 as a property: whatever the interleaving of issue requests (duplicates
// included) and stock additions, rows never exceed stock, no user holds two, and every
// 202 ends issued.
const stack = useTestStack({ worker: true });

type Command = { kind: 'issue'; user: number } | { kind: 'addStock'; count: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('issue' as const), user: fc.integer({ min: 0, max: 11 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('addStock' as const), count: fc.integer({ min: 0, max: 3 }) }) },
);

it('never oversells, never issues twice, and keeps every 202', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 6 }),
      // rounds of commands sent at once: the interleaving within a round is the server's
      fc.array(fc.array(command, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
      async (stock, rounds) => {
        const couponId = await createCoupon(stack.api, { count: stock });
        let count = stock;
        const accepted: { user: string; issuanceId: string }[] = [];

        for (const round of rounds) {
          await Promise.all(
            round.map(async (c) => {
              if (c.kind === 'addStock') {
                const res = await stack.api.http.patch(`/v1/coupons/${couponId}`).set(stack.api.admin).send({ count: c.count });
                expect(res.status).toBe(200);
                count += c.count;
                return;
              }
              const res = await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: `u${c.user}` });
              if (res.status === 202) accepted.push({ user: `u${c.user}`, issuanceId: res.body.issuanceId });
              else expect(['already_issued', 'sold_out']).toContain(res.body.code);
            }),
          );
        }

        expect(new Set(accepted.map((a) => a.user)).size).toBe(accepted.length);
        expect(accepted.length).toBeLessThanOrEqual(count);
        await eventually(async () => ((await stack.api.ctx.redis.zcard(couponKeys(couponId).pending)) === 0 ? true : undefined), 20_000, 'drain');
        for (const a of accepted) {
          expect((await stack.api.http.get(`/v1/issuances/${a.issuanceId}`)).body.status).toBe('issued');
        }
        const rows = await stack.env.database.db
          .selectFrom('user_coupons_storage').select(['user_id', 'issuance_id']).where('coupon_id', '=', couponId).execute();
        expect(rows.length).toBeLessThanOrEqual(count);
        expect(rows.map((r) => r.issuance_id).sort()).toEqual(accepted.map((a) => a.issuanceId).sort());
        const coupon = (await stack.api.http.get(`/v1/coupons/${couponId}`)).body;
        expect(coupon).toMatchObject({ count, issuedCount: rows.length, remainingStock: count - rows.length });
      },
    ),
    { numRuns: 25 },
  );
}, 120_000);
