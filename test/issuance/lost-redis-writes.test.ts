import { SEQUENCE_GAP_AFTER_LOSS, couponKeys } from '@coupon/issuance';
import { reconcile } from '@coupon/worker/reconcile/reconciler';
import { createCoupon } from '../support/coupons';
import { createPrivateRedis } from '../support/private-redis';
import { eventually } from '../support/processes';
import { startTestWorker } from '../support/worker';
import { useTestStack } from '../support/stack';

// Invariant 4 when Redis loses only some writes (a crash with appendfsync everysec, a
// failover): the coupon's metadata survives, so nothing is rebuilt on demand, yet holders
// PostgreSQL has persisted are gone from Redis. The chaos suite found both problems below
// under load (test/chaos/redis-crash-aof.test.ts, redis-cold-restart.test.ts).
const stack = useTestStack({ worker: true });

const reconcileNow = () => reconcile(stack.worker.ctx);

async function issued(couponId: number, userId: string): Promise<string> {
  const res = await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });
  expect(res.status).toBe(202);
  await eventually(async () => ((await stack.api.http.get(`/v1/issuances/${res.body.issuanceId}`)).body.status === 'issued' ? true : undefined));
  return res.body.issuanceId;
}

it('the reconciler puts back persisted holders Redis forgot, so their stock and places are not sold again', async () => {
  const couponId = await createCoupon(stack.api, { count: 3 });
  const ids = [await issued(couponId, 'kept'), await issued(couponId, 'forgot_1'), await issued(couponId, 'forgot_2')];
  const keys = couponKeys(couponId);
  // Redis comes back from a crash without the last two reservations
  await stack.api.ctx.redis.hdel(keys.users, 'forgot_1', 'forgot_2');
  await stack.api.ctx.redis.set(keys.seq, 1);
  expect((await stack.api.http.get(`/v1/coupons/${couponId}`)).body.remainingStock).toBe(2); // Redis would sell them again

  const report = await reconcileNow();
  expect(report.drift[couponId]).toBe(-2);
  expect(report.repaired).toBeGreaterThanOrEqual(1);
  expect(await stack.api.ctx.redis.hgetall(keys.users)).toEqual({ kept: ids[0], forgot_1: ids[1], forgot_2: ids[2] });
  // the next sequence is past every number the lost counter may have handed out, not a second 2
  expect(await stack.api.ctx.redis.get(keys.seq)).toBe(String(3 + SEQUENCE_GAP_AFTER_LOSS));
  expect((await stack.api.http.get(`/v1/coupons/${couponId}`)).body.remainingStock).toBe(0);
  expect((await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'forgot_1' })).body.code).toBe('already_issued');
  expect((await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'newcomer' })).body.code).toBe('sold_out');
  expect((await reconcileNow()).drift[couponId]).toBeUndefined();
});

it('a pending issuance that is already committed is not drift (no repair on every pass under load)', async () => {
  const couponId = await createCoupon(stack.api, { count: 5 });
  const id = await issued(couponId, 'between');
  // the state between a batch's commit and its settle: row written, still pending in Redis
  await stack.api.ctx.redis.zadd(couponKeys(couponId).pending, 1, id);
  const report = await reconcileNow();
  expect(report.drift[couponId]).toBeUndefined();
  await stack.api.ctx.redis.zrem(couponKeys(couponId).pending, id);
});

it('a worker schedules its reconciler again when Redis comes back empty', async () => {
  const redis = await createPrivateRedis();
  const own = await startTestWorker(stack.env, { REDIS_URL: redis.url, RECONCILE_INTERVAL_MS: '500' });
  try {
    expect(await own.ctx.reconcileQueue.getJobScheduler('reconcile-every')).toBeDefined();
    await redis.kill();
    await redis.start(); // no persistence: the schedule is gone with everything else
    await eventually(async () => ((await own.ctx.reconcileQueue.getJobScheduler('reconcile-every')) ? true : undefined), 20_000, 'the schedule');
  } finally {
    await own.close();
    await redis.destroy();
  }
});
