import { audit, backlogCleared, drained, expectInvariants, queueCounts, reconcileNow, summary } from './support/audit';
import { sleep } from '../support/net';
import { couponsUnderLoad } from './support/load';
import { recordResult, rowOf } from './support/results';
import { startStack, useStack } from './support/stack';

// Scenario 2: PostgreSQL crashes (pg_ctl stop -m immediate) under load and is back 10 s
// later. The hot path never touches it, so 202s keep coming; the worker's batches fail
// and retry with backoff, and the backlog clears once PostgreSQL is back.
const getStack = useStack(() => startStack());

it('PostgreSQL down for 10 s under load: jobs retry, nothing lost, the lag recovers', async () => {
  const started = Date.now();
  const stack = getStack();
  const { coupons: [tight, mid, wide], load } = await couponsUnderLoad(stack, [150, 1200, 1_000_000], { rate: 200 });

  await stack.pg.stop('immediate');
  const acceptedBefore = load.log.filter((e) => e.outcome === 'accepted').length;
  await sleep(10_000);
  const acceptedDuring = load.log.filter((e) => e.outcome === 'accepted').length - acceptedBefore;
  const retrying = await queueCounts(stack);
  await stack.pg.start();
  const backAt = Date.now();
  const recovery = backlogCleared(stack, load.log, backAt);
  await sleep(4000);
  const log = await load.stop();
  await drained(stack, [tight, mid, wide]);
  await reconcileNow(stack);

  const result = await audit(stack, [tight, mid, wide], log);
  const lag = await recovery;
  console.log(`accepted while PostgreSQL was down: ${acceptedDuring}; queue then: ${JSON.stringify(retrying)}; backlog cleared ${lag} s after restart\n${summary(result)}`);
  expect(acceptedDuring).toBeGreaterThan(500); // issuing went on without PostgreSQL
  expect((retrying.wait ?? 0) + (retrying.delayed ?? 0) + (retrying.active ?? 0)).toBeGreaterThan(0);
  expect(result.coupons[0]!.rows).toBe(tight.stock);
  expect((await queueCounts(stack)).failed).toBe(0);
  expect(Number.isFinite(lag)).toBe(true); // the backlog cleared (no timing is asserted)
  expectInvariants(result, { lossless: true });
  recordResult(rowOf(2, 'PostgreSQL stopped (immediate) 10 s, restarted', result, {
    recovery: lag, seconds: (Date.now() - started) / 1000, notes: `${acceptedDuring} accepted while it was down`,
  }));
});
