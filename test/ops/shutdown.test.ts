import { createCoupon } from '../support/coupons';
import { expectAllPersisted, expectQueueClean, issueLoad } from '../support/issuances';
import { sleep } from '../support/net';
import { startApp } from '../support/processes';
import { useTestEnv } from '../support/stack';

// Graceful shutdown: SIGTERM to the API and the worker under load fails no job and loses
// no 202; what the worker had in hand is written before it exits.
const testEnv = useTestEnv();

it('SIGTERM under load: both exit 0, no job failed or left active, every 202 persisted', async () => {
  const env = testEnv();
  const { child: api, url: base } = await startApp('api', env.vars);
  const { child: worker } = await startApp('worker', env.vars);

  const couponId = await createCoupon(base, { type: 'unlimited', count: 0 });

  // 16 bounded client loops for 4 s, which go on while the API stops answering
  const deadline = Date.now() + 4000;
  const load = issueLoad(base, couponId, 'sig_', 16);
  await sleep(1500);
  const acceptedBeforeStop = load.accepted.length;
  const [apiExit, workerExit] = await Promise.all([api.kill('SIGTERM'), worker.kill('SIGTERM')]);
  await sleep(Math.max(0, deadline - Date.now()));
  await load.stop();
  const { accepted, other } = load;

  expect(acceptedBeforeStop).toBeGreaterThan(50);
  // 0, not 'SIGTERM': both took their drain path rather than dying on the signal
  expect({ apiExit, workerExit }).toEqual({ apiExit: 0, workerExit: 0 });
  // only refusals after the stop, never a 5xx
  expect([...other.keys()].filter((k) => k !== 'refused')).toEqual([]);

  await expectQueueClean(env);
  await expectAllPersisted(env, couponId, accepted, 30_000);
}, 60_000);
