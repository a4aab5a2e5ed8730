import { batchData, couponKeys, enqueueBatch } from '@coupon/issuance';
import { startTestApi, type TestApi } from '../support/api';
import { createCoupon } from '../support/coupons';
import { historyCount, rowsOf, settled } from '../support/issuances';
import { eventually } from '../support/processes';
import { useTestStack } from '../support/stack';
import { startTestWorker } from '../support/worker';

// Issue requests are grouped into one persist-batch job per group; a job, however it got
// there (twice, by the reconciler, mixing coupons), changes nothing it already did.
const stack = useTestStack();
let slowGroups: TestApi;

beforeAll(async () => {
  // a long group window, so requests sent together share one job
  slowGroups = await startTestApi(stack.env, { QUEUE_GROUP_WAIT_MS: '200', QUEUE_GROUP_SIZE: '50' });
});
afterAll(() => slowGroups?.close());

const issue = (api: TestApi, couponId: number, userId: string) =>
  api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });
const jobsOf = (api: TestApi) => api.ctx.issuanceQueue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);

it('enqueues requests that arrive together as one job, and answers each 202 once it is queued', async () => {
  const couponId = await createCoupon(stack.api, { count: 100 });
  const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => issue(slowGroups, couponId, `g${i}`)));
  expect(replies.map((r) => r.status)).toEqual(Array(12).fill(202));
  const ids = replies.map((r) => r.body.issuanceId as string);
  const jobs = (await jobsOf(slowGroups)).filter((j) => j.data.items.some((i) => ids.includes(i.issuanceId)));
  expect(jobs).toHaveLength(1);
  expect(jobs[0]!.name).toBe('persist-batch');
  expect(jobs[0]!.data.items.map((i) => i.issuanceId).sort()).toEqual(replies.map((r) => r.body.issuanceId).sort());
});

it('answers 503 with the issuanceId for every request of a group whose add fails; the reconciler persists them', async () => {
  const couponId = await createCoupon(stack.api, { count: 10 });
  const broken = await startTestApi(stack.env, { QUEUE_GROUP_WAIT_MS: '100' });
  try {
    broken.ctx.queueConnection.disconnect(); // the queue's Redis connection is gone; reservations still work
    const replies = await Promise.all(['f1', 'f2', 'f3'].map((user) => issue(broken, couponId, user)));
    expect(replies.map((r) => r.status)).toEqual([503, 503, 503]);
    for (const r of replies) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.body).toMatchObject({ code: 'service_unavailable', issuanceId: expect.any(String) });
    }
    const ids = replies.map((r) => r.body.issuanceId as string);
    // the reservations stand: polled, they are pending; nothing is queued for them
    for (const id of ids) expect((await stack.api.http.get(`/v1/issuances/${id}`)).body.status).toBe('pending');
    const queued = (await jobsOf(stack.api)).flatMap((job) => job.data.items.map((i) => i.issuanceId));
    expect(queued.filter((id) => ids.includes(id))).toEqual([]);

    const worker = await startTestWorker(stack.env, { RECONCILE_INTERVAL_MS: '300', RECONCILE_PENDING_AGE_MS: '200' });
    try {
      for (const id of ids) expect((await settled(stack.api, id)).status).toBe('issued');
    } finally {
      await worker.close();
    }
    expect((await rowsOf(stack.env.database.db, couponId)).map((r) => r.issuance_id).sort()).toEqual([...ids].sort());
  } finally {
    await broken.close();
  }
});

it('a duplicated batch job (same issuances, another job) changes nothing the first one did', async () => {
  const couponId = await createCoupon(stack.api, { count: 5 });
  const replies = await Promise.all(['d1', 'd2', 'd3'].map((user) => issue(slowGroups, couponId, user)));
  const [job] = (await jobsOf(slowGroups)).filter((j) => j.data.items.some((i) => i.issuanceId === replies[0]!.body.issuanceId));
  const items = job!.data.items;
  // the same group added again is the same job: BullMQ keeps one
  await enqueueBatch(slowGroups.ctx.issuanceQueue, items);
  // and the same issuances under another job id (as a reconciler would, in another order)
  await slowGroups.ctx.issuanceQueue.add('persist-batch', batchData([...items].reverse()), { jobId: 'duplicate-of-the-group' });
  const worker = await startTestWorker(stack.env);
  try {
    for (const r of replies) expect((await settled(stack.api, r.body.issuanceId)).status).toBe('issued');
    await eventually(async () => (((await slowGroups.ctx.issuanceQueue.getJobCounts('completed')).completed ?? 0) >= 2 ? true : undefined));
  } finally {
    await worker.close();
  }
  expect((await rowsOf(stack.env.database.db, couponId)).map((r) => r.user_id).sort()).toEqual(['d1', 'd2', 'd3']);
  expect(await historyCount(stack.env.database.db, couponId)).toBe(3);
  const coupon = await stack.env.database.db.selectFrom('coupons').select('issued_count').where('id', '=', couponId).executeTakeFirstOrThrow();
  expect(coupon.issued_count).toBe(3);
  expect((await stack.api.http.get(`/v1/coupons/${couponId}`)).body).toMatchObject({ issuedCount: 3, remainingStock: 2 });
});

it('writes a batch mixing coupons and refusals with each issuance its own verdict', async () => {
  const small = await createCoupon(stack.api, { count: 2 });
  const open = await createCoupon(stack.api, { type: 'unlimited', count: 0 });
  // Redis believes in more stock than PostgreSQL has, and forgot one holder
  await stack.api.ctx.redis.hset(couponKeys(small).meta, 'count', 3);
  const held = (await issue(stack.api, open, 'holder')).body.issuanceId;
  const worker = await startTestWorker(stack.env);
  try {
    await settled(stack.api, held);
  } finally {
    await worker.close();
  }
  await stack.api.ctx.redis.hdel(couponKeys(open).users, 'holder');

  const replies = await Promise.all([
    issue(slowGroups, small, 'm1'), issue(slowGroups, small, 'm2'), issue(slowGroups, small, 'm3'),
    issue(slowGroups, open, 'm1'), issue(slowGroups, open, 'holder'),
  ]);
  expect(replies.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
  const ids = replies.map((r) => r.body.issuanceId as string);
  const jobs = (await jobsOf(slowGroups)).filter((j) => j.data.items.some((i) => ids.includes(i.issuanceId)));
  expect(jobs).toHaveLength(1);
  expect(jobs[0]!.data.coupons.sort()).toEqual([small, open].sort());

  const again = await startTestWorker(stack.env);
  let verdicts;
  try {
    verdicts = [];
    for (const id of ids) verdicts.push(await settled(stack.api, id));
    await eventually(async () => ((await jobs[0]!.isCompleted()) ? true : undefined));
  } finally {
    await again.close();
  }
  const bySmall = verdicts.slice(0, 3).map((v) => v.status).sort();
  expect(bySmall).toEqual(['failed', 'issued', 'issued']);
  expect(verdicts.slice(0, 3).find((v) => v.status === 'failed')).toMatchObject({ failureReason: 'sold_out' });
  expect(verdicts[3]).toMatchObject({ status: 'issued' });
  expect(verdicts[4]).toMatchObject({ status: 'failed', failureReason: 'already_holds_coupon' });
  const done = await slowGroups.ctx.issuanceQueue.getJob(jobs[0]!.id!);
  expect(done!.returnvalue).toEqual({ issued: 3, sold_out: 1, already_holds_coupon: 1 });
  expect(await rowsOf(stack.env.database.db, small)).toHaveLength(2);
  // the sold-out place went back; the holder keeps theirs
  expect(await stack.api.ctx.redis.hlen(couponKeys(small).users)).toBe(2);
  expect(await stack.api.ctx.redis.hget(couponKeys(open).users, 'holder')).toBe(ids[4]);
});
