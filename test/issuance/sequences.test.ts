import { Migrator } from 'kysely';
import { SEQUENCE_GAP_AFTER_LOSS, couponKeys, enqueueBatch, type IssuanceItem } from '@coupon/issuance';
import { createDb, migrations } from '@coupon/db';
import { createCoupon } from '../support/coupons';
import { rowsOf, rowsReach } from '../support/issuances';
import { withAdminClient, databaseUrl, uniqueName } from '../support/servers';
import { eventually } from '../support/processes';
import { useTestStack } from '../support/stack';
import { startTestWorker } from '../support/worker';

// DESIGN.md invariant 6: sequences never repeat within a coupon, not even across a lost Redis.
const stack = useTestStack();

const issue = async (couponId: number, userId: string) => {
  const res = await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId });
  expect(res.status).toBe(202);
  return res.body as { issuanceId: string; sequence: number };
};
const queuedItems = async () => (await stack.api.ctx.issuanceQueue.getJobs(['waiting'])).flatMap((job) => job.data.items);

async function persistAll(couponId: number, expected: number) {
  const worker = await startTestWorker(stack.env);
  try {
    await rowsReach(stack.env.database.db, couponId, expected);
    await eventually(async () => ((await stack.api.ctx.redis.zcard(couponKeys(couponId).pending)) === 0 ? true : undefined));
  } finally {
    await worker.close();
  }
}

it('a Redis that loses a coupon while its jobs are in a worker\'s hands does not hand their numbers out again', async () => {
  const couponId = await createCoupon(stack.api, { count: 1000 });
  const first = [];
  for (const user of ['s1', 's2', 's3']) first.push(await issue(couponId, user));
  expect(first.map((i) => i.sequence)).toEqual([1, 2, 3]);
  // a worker has fetched these jobs; then Redis loses everything (a cold restart)
  const inHand: IssuanceItem[] = (await queuedItems()).filter((i) => i.couponId === couponId);
  await stack.api.ctx.issuanceQueue.obliterate({ force: true });
  const keys = couponKeys(couponId);
  await stack.api.ctx.redis.del(keys.meta, keys.users, keys.seq, keys.pending, ...first.map((i) => keys.issuance(i.issuanceId)));

  // the next request rebuilds the coupon from PostgreSQL (no rows yet) and reserves
  const after = await issue(couponId, 's4');
  expect(after.sequence).toBe(SEQUENCE_GAP_AFTER_LOSS + 1); // before: 1, a repeat of s1's
  // the worker that held the jobs writes them; then the new one is written
  await enqueueBatch(stack.api.ctx.issuanceQueue, inHand);
  await persistAll(couponId, 4);
  const rows = await rowsOf(stack.env.database.db, couponId);
  expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3, SEQUENCE_GAP_AFTER_LOSS + 1]);
});

it('a number a row already holds is never written twice: the row takes the next one, the counter moves past', async () => {
  const couponId = await createCoupon(stack.api, { count: 1000 });
  await issue(couponId, 'r1');
  await issue(couponId, 'r2');
  await persistAll(couponId, 2);
  // Redis's counter fell behind without anyone noticing (lost writes, a failover)
  await stack.api.ctx.redis.set(couponKeys(couponId).seq, '1');
  const repeated = await issue(couponId, 'r3');
  expect(repeated.sequence).toBe(2); // handed out again by Redis
  await persistAll(couponId, 3);

  const rows = await rowsOf(stack.env.database.db, couponId);
  expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3]);
  expect(rows.find((r) => r.issuance_id === repeated.issuanceId)!.sequence).toBe(3);
  const polled = await stack.api.http.get(`/v1/issuances/${repeated.issuanceId}`);
  expect(polled.body).toMatchObject({ status: 'issued', sequence: 3 });
  expect(Number(await stack.api.ctx.redis.get(couponKeys(couponId).seq))).toBe(3 + SEQUENCE_GAP_AFTER_LOSS);
  expect((await issue(couponId, 'r4')).sequence).toBe(3 + SEQUENCE_GAP_AFTER_LOSS + 1);
});

it('PostgreSQL refuses a repeated sequence outright, and the migration renumbers repeats written before it', async () => {
  const name = uniqueName('coupon_seq');
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  const db = createDb(databaseUrl(name), { max: 1 });
  try {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('2026_11_24_0001_initial')).error).toBeUndefined();
    const { id } = await db.insertInto('coupons').values({
      name: 'old', type: 'unlimited', count: 0, start_date: new Date(0), end_date: new Date(Date.now() + 3600_000),
      expire_minute: 60, discount_type: 'percent', discount_amount: 10,
    }).returning('id').executeTakeFirstOrThrow();
    const row = (user: string, sequence: number) => ({
      issuance_id: `${id}_${user}`, user_id: user, coupon_id: id, sequence, give_date: new Date(), expire_date: new Date(Date.now() + 3600_000),
      discount_type: 'percent' as const, discount_amount: 10,
    });
    await db.insertInto('user_coupons_storage').values([row('a', 1), row('b', 2), row('c', 1), row('d', 2), row('e', 1)]).execute();

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const after = await db.selectFrom('user_coupons_storage').select(['user_id', 'sequence']).orderBy('user_id').execute();
    expect(after).toEqual([
      { user_id: 'a', sequence: 1 }, { user_id: 'b', sequence: 2 },
      { user_id: 'c', sequence: 3 }, { user_id: 'd', sequence: 4 }, { user_id: 'e', sequence: 5 },
    ]);
    await expect(db.insertInto('user_coupons_storage').values(row('f', 3)).execute()).rejects.toThrow(/user_coupons_storage_coupon_sequence/);
  } finally {
    await db.destroy();
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
});

it('a coupon just created starts at 1, with no gap', async () => {
  const couponId = await createCoupon(stack.api, { count: 1000 });
  expect((await issue(couponId, 'n1')).sequence).toBe(1);
});
