import { audit, backlogCleared, drained, expectInvariants, queueCounts, reconcileNow, summary } from './support/audit';
import { sleep } from '../support/net';
import { couponsUnderLoad } from './support/load';
import { recordResult, rowOf } from './support/results';
import { startStack, useStack } from './support/stack';

// Scenario 1: the worker is SIGKILLed while it holds a batch, under load, and restarted.
// Its jobs are retried once their locks expire; the insert is idempotent by issuance id.
const getStack = useStack(() => startStack());

it('worker SIGKILL mid-batch, restarted: every 202 persisted exactly once, no oversell', async () => {
  const started = Date.now();
  const stack = getStack();
  const { coupons: [tight, wide], load } = await couponsUnderLoad(stack, [150, 1_000_000]);

  // kill it while it holds jobs: they are active (fetched, in a batch) right now
  let active = 0;
  for (let i = 0; i < 400 && active === 0; i++) active = (await queueCounts(stack)).active ?? 0;
  expect(await stack.worker.kill('SIGKILL')).toBe('SIGKILL');
  await sleep(2000); // 202s keep coming with no worker at all
  await stack.worker.start();
  const restartedAt = Date.now();
  const recovery = backlogCleared(stack, load.log, restartedAt);
  await sleep(3000);
  const log = await load.stop();
  await drained(stack, [tight, wide]);
  await reconcileNow(stack);

  const result = await audit(stack, [tight, wide], log);
  console.log(`worker SIGKILL with ${active} jobs active\n${summary(result)}`);
  expect(result.accepted).toBeGreaterThan(500);
  expect(result.coupons[0]!.rows).toBe(tight.stock); // the tight coupon sold out, exactly
  expectInvariants(result, { lossless: true });
  recordResult(rowOf(1, 'worker SIGKILL mid-batch, restarted', result, {
    recovery: await recovery, seconds: (Date.now() - started) / 1000, notes: `killed holding ${active} active jobs`,
  }));
});
