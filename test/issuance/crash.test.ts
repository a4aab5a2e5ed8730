import { couponKeys } from '@coupon/issuance';
import { createCoupon } from '../support/coupons';
import { historyCount, rowsOf, rowsReach } from '../support/issuances';
import { eventually, spawnApp, startApp } from '../support/processes';
import { startTestWorker } from '../support/worker';
import { useTestStack } from '../support/stack';

// Invariants 3 and 5: a 202 becomes exactly one row, whoever dies in between.
const stack = useTestStack();

const fastRecovery = { WORKER_LOCK_MS: '1000', WORKER_STALLED_INTERVAL_MS: '500', RECONCILE_INTERVAL_MS: '500', RECONCILE_PENDING_AGE_MS: '500' };

async function acceptMany(couponId: number, users: string[]): Promise<string[]> {
  const ids = [];
  for (const userId of users) {
    const res = await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });
    expect(res.status).toBe(202);
    ids.push(res.body.issuanceId as string);
  }
  return ids;
}

async function expectAllIssuedOnce(couponId: number, issuanceIds: string[]) {
  await rowsReach(stack.env.database.db, couponId, issuanceIds.length, 30_000);
  await eventually(async () => {
    const statuses = await Promise.all(issuanceIds.map(async (id) => (await stack.api.http.get(`/v1/issuances/${id}`)).body.status));
    return statuses.every((s) => s === 'issued') ? true : undefined;
  }, 30_000, 'issued statuses');
  const rows = await rowsOf(stack.env.database.db, couponId);
  expect(rows.map((r) => r.issuance_id).sort()).toEqual([...issuanceIds].sort());
  expect(await historyCount(stack.env.database.db, couponId)).toBe(issuanceIds.length);
  const coupon = await stack.env.database.db.selectFrom('coupons').select('issued_count').where('id', '=', couponId).executeTakeFirstOrThrow();
  expect(coupon.issued_count).toBe(issuanceIds.length);
}

it.each(['before-commit', 'after-commit'] as const)(
  'worker SIGKILLed %s: after a restart every accepted issuance has exactly one row',
  async (crashAt) => {
    const couponId = await createCoupon(stack.api, { count: 50 });
    const ids = await acceptMany(couponId, Array.from({ length: 20 }, (_, i) => `${crashAt}_${i}`));

    const doomed = spawnApp('worker', { ...stack.env.vars, ...fastRecovery, FAULT_CRASH_AT: crashAt });
    expect(await doomed.exited).toBe('SIGKILL');
    expect((await rowsOf(stack.env.database.db, couponId)).length).toBe(crashAt === 'before-commit' ? 0 : 20);

    const worker = await startTestWorker(stack.env, fastRecovery);
    try {
      await expectAllIssuedOnce(couponId, ids);
    } finally {
      await worker.close();
    }
  },
  60_000,
);

it('API killed between reservation and enqueue: the reconciler persists the orphan', async () => {
  const couponId = await createCoupon(stack.api, { count: 5 });
  const { child: doomed, url } = await startApp('api', { ...stack.env.vars, FAULT_CRASH_AT: 'after-reserve' });
  const reply = await fetch(`${url}/v1/coupons/${couponId}/issuances`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'orphan' }),
  }).catch((error: unknown) => error);
  expect(String(reply)).toMatch(/fetch failed/); // the process died before answering
  expect(await doomed.exited).toBe('SIGKILL');

  const keys = couponKeys(couponId);
  const [orphanId] = await stack.api.ctx.redis.zrange(keys.pending, 0, -1);
  expect(orphanId).toBeDefined();
  const queued = await stack.api.ctx.issuanceQueue.getJobs();
  expect(queued.flatMap((job) => job.data.items.map((item) => item.issuanceId))).not.toContain(orphanId);

  const worker = await startTestWorker(stack.env, fastRecovery);
  try {
    await expectAllIssuedOnce(couponId, [orphanId!]);
    const byUser = await stack.api.http.get(`/v1/coupons/${couponId}/issuances/orphan`).expect(200);
    expect(byUser.body).toMatchObject({ issuanceId: orphanId, status: 'issued' });
  } finally {
    await worker.close();
  }
}, 60_000);
