import { createIssuanceQueue } from '@coupon/issuance';
import { createCoupon } from '../support/coupons';
import { createTestEnv, type TestEnv } from '../support/env';
import { eventually, spawnApp } from '../support/processes';
import { freePort, waitForHttp } from '../support/net';
import { startTestWorker } from '../support/worker';

// Graceful shutdown: SIGTERM to the API and the worker under load fails no job and loses
// no 202; what the worker had in hand is written before it exits.
let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

it('SIGTERM under load: both exit 0, no job failed or left active, every 202 persisted', async () => {
  const [apiPort, workerPort] = [await freePort(), await freePort()];
  const api = spawnApp('api', { ...env.vars, PORT: String(apiPort), HOST: '127.0.0.1' });
  const worker = spawnApp('worker', { ...env.vars, WORKER_PORT: String(workerPort), HOST: '127.0.0.1' });
  const base = `http://127.0.0.1:${apiPort}`;
  await waitForHttp(`${base}/healthz`, api);
  await waitForHttp(`http://127.0.0.1:${workerPort}/healthz`, worker);

  const couponId = await createCoupon(base, { type: 'unlimited', count: 0 });

  const accepted: string[] = [];
  const other = new Map<string, number>();
  let next = 0;
  const deadline = Date.now() + 4000;
  // 16 bounded client loops; each stops at the deadline or when the API stops answering
  const loops = Array.from({ length: 16 }, async () => {
    while (Date.now() < deadline) {
      const userId = `sig_${next++}`;
      try {
        const res = await fetch(`${base}/v1/coupons/${couponId}/issuances`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }),
        });
        const body = (await res.json()) as { issuanceId: string };
        if (res.status === 202) accepted.push(body.issuanceId);
        else other.set(String(res.status), (other.get(String(res.status)) ?? 0) + 1);
      } catch {
        other.set('refused', (other.get('refused') ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  const acceptedBeforeStop = accepted.length;
  const [apiExit, workerExit] = await Promise.all([api.kill('SIGTERM'), worker.kill('SIGTERM')]);
  await Promise.all(loops);

  expect(acceptedBeforeStop).toBeGreaterThan(50);
  // 0, not 'SIGTERM': both took their drain path rather than dying on the signal
  expect({ apiExit, workerExit }).toEqual({ apiExit: 0, workerExit: 0 });
  // only refusals after the stop, never a 5xx
  expect([...other.keys()].filter((k) => k !== 'refused')).toEqual([]);

  const queue = createIssuanceQueue(env.redis.redis, env.redis.queuePrefix);
  expect(await queue.getJobCounts('failed', 'active')).toEqual({ failed: 0, active: 0 });
  await queue.close();

  const drainer = await startTestWorker(env);
  try {
    await eventually(async () => {
      const { n } = await env.database.db.selectFrom('user_coupons_storage').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('coupon_id', '=', couponId).executeTakeFirstOrThrow();
      return n === accepted.length ? true : undefined;
    }, 30_000, 'every 202 persisted');
    const rows = await env.database.db.selectFrom('user_coupons_storage').select('issuance_id').where('coupon_id', '=', couponId).execute();
    expect(rows.map((r) => r.issuance_id).sort()).toEqual([...accepted].sort());
    expect((await drainer.ctx.issuanceQueue.getJobCounts('failed')).failed).toBe(0);
  } finally {
    await drainer.close();
  }
}, 60_000);
