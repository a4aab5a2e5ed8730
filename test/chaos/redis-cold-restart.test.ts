import { couponKeys } from '@coupon/issuance';
import { audit, backlogCleared, drained, expectInvariants, queueCounts, summary } from './support/audit';
import { sleep } from '../support/net';
import { couponsUnderLoad } from './support/load';
import { recordResult, rowOf } from './support/results';
import { startStack, useStack } from './support/stack';

// Scenario 6: Redis comes back empty (no persistence: a cold cache) under load. Its queue
// and its reservations are gone: what the worker had not yet written is lost, and that is
// counted. The coupons' state must be rebuilt from PostgreSQL before anything is issued
// (invariant 4), the stock PostgreSQL still has is sold and no more, and the worker's own
// reconciler (its schedule lived in the Redis that was lost) brings Redis back in line.
const getStack = useStack(() => startStack()); // redis-server with neither AOF nor snapshots

it('Redis restarted empty under load: issuing resumes only from state rebuilt from PostgreSQL, no oversell', async () => {
  const started = Date.now();
  const stack = getStack();
  const { coupons, load } = await couponsUnderLoad(stack, [150, 900, 1_000_000]);
  const [tight] = coupons;

  // Freeze the worker with a batch in hand (SIGSTOP), so that Redis dies holding a backlog
  // of accepted issuances, and the worker commits that batch only after Redis was rebuilt
  // without it: rows the rebuilt Redis does not know, which the reconciler must merge.
  let active = 0;
  for (let i = 0; i < 400 && active === 0; i++) active = (await queueCounts(stack)).active ?? 0;
  stack.worker.child!.process.kill('SIGSTOP');
  await sleep(1000);
  await stack.redis.kill();
  await sleep(1000);
  // what PostgreSQL holds when Redis comes back: the only truth left
  const before = await stack.db.selectFrom('user_coupons_storage').select(['coupon_id', 'user_id', 'sequence']).execute();
  await stack.redis.start();
  const upAt = Date.now();
  const recovery = backlogCleared(stack, load.log, upAt);
  await sleep(1000);
  stack.worker.child!.process.kill('SIGCONT');
  await sleep(4000);
  const log = await load.stop();
  await drained(stack, coupons);

  // no reconcileNow here: the worker's scheduled reconciler must be running again by itself
  const expectRedisAgrees = async () => {
    for (const c of coupons) {
      const { n } = await stack.db.selectFrom('user_coupons_storage').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('coupon_id', '=', c.id).executeTakeFirstOrThrow();
      expect(await stack.redisClient.hlen(`${stack.keyPrefix}${couponKeys(c.id).users}`)).toBe(n);
    }
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await expectRedisAgrees();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
  const result = await audit(stack, coupons, log);

  const after = log.filter((e) => e.at > upAt && e.outcome === 'accepted');
  const heldBefore = new Set(before.map((r) => `${r.coupon_id}/${r.user_id}`));
  const maxSequenceBefore = new Map<number, number>();
  for (const r of before) maxSequenceBefore.set(r.coupon_id, Math.max(maxSequenceBefore.get(r.coupon_id) ?? 0, r.sequence));
  console.log(`worker frozen holding ${active} active jobs; ${after.length} accepted after the restart; rows at the restart ${before.length}\n${summary(result)}`);

  expect(after.length).toBeGreaterThan(100); // issuing resumed
  // ...from the rebuilt state: nobody who held a row at the restart was accepted again, and
  // the sequence went on from PostgreSQL's highest instead of starting over at 1
  expect(after.filter((e) => heldBefore.has(`${e.couponId}/${e.userId}`))).toEqual([]);
  expect(after.filter((e) => e.sequence! <= (maxSequenceBefore.get(e.couponId) ?? 0))).toEqual([]);
  expect(result.coupons[0]!.rows).toBe(tight.stock); // what was lost went back on sale, up to the stock
  expectInvariants(result, { lossless: false });
  recordResult(rowOf(7, 'Redis restarted empty (cold cache)', result, {
    recovery: await recovery, seconds: (Date.now() - started) / 1000,
    notes: `worker frozen with ${active} jobs in hand; ${result.lost.length} 202s lost with Redis, ${result.notIssued.length - result.lost.length} more refused by PostgreSQL; ${after.length} accepted after the rebuild; ${result.sequenceDuplicates} duplicate sequences`,
  }));
});
