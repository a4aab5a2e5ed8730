import { audit, drained, expectInvariants, reconcileNow, summary } from './support/audit';
import { sleep } from '../support/net';
import { couponsUnderLoad } from './support/load';
import { recordResult, rowOf } from './support/results';
import { startStack, useStack, type App } from './support/stack';

// Scenario 4: an API process dies between the reservation (Redis) and the enqueue (BullMQ),
// again and again, under load. FAULT_CRASH_AT=after-reserve makes the second API process
// SIGKILL itself right after its first accepted reservation; it is restarted each time.
// Its clients see a broken connection ("maybe"); the reservations it left without a job
// are orphans, and the reconciler must persist every one of them.
const getStack = useStack(() => startStack({ apis: 2, apiVarsEach: [{}, { FAULT_CRASH_AT: 'after-reserve' }] }));

it('API killed between reservation and enqueue: the reconciler persists every orphan', async () => {
  const started = Date.now();
  const stack = getStack();
  const [, faulty] = stack.apis as [App, App];
  faulty.exitsExpected = true;
  // through the healthy and the faulty process in turn
  const { coupons: [tight, wide], load } = await couponsUnderLoad(stack, [150, 1_000_000], { warmupMs: 0 });

  // restart the faulty process whenever it has killed itself, three times (a restart under
  // this load takes a few seconds)
  const crashes: (number | string)[] = [];
  const until = Date.now() + 40_000;
  while (crashes.length < 3 && Date.now() < until) {
    crashes.push(await faulty.child!.exited);
    if (crashes.length < 3) await faulty.start();
  }
  const faultEnd = Date.now();
  await sleep(2000);
  const log = await load.stop();
  await drained(stack, [tight, wide]); // pending empty: the worker's own reconciler re-enqueued every orphan
  const recovery = (Date.now() - faultEnd) / 1000;
  await reconcileNow(stack);
  const result = await audit(stack, [tight, wide], log);
  const orphans = result.persisted - result.accepted; // rows no client was told about
  console.log(`faulty API crashed ${crashes.length} times (${[...new Set(crashes)].join(',')}), ${orphans} orphans persisted\n${summary(result)}`);
  expect(crashes).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL']);
  expect(orphans).toBeGreaterThanOrEqual(crashes.length); // each crash left at least its own reservation
  expect(result.maybes).toBeGreaterThanOrEqual(crashes.length);
  expectInvariants(result, { lossless: true }); // pending 0 and Redis accepted = rows: no orphan left
  recordResult(rowOf(5, 'API SIGKILL between reserve and enqueue (after-reserve) x3', result, {
    recovery, seconds: (Date.now() - started) / 1000,
    notes: `${crashes.length} crashes, ${orphans} orphan reservations persisted by the reconciler`,
  }));
});
