import type { Kysely } from 'kysely';
import type { Database } from '@coupon/db';
import { createIssuanceQueue } from '@coupon/issuance';
import type { TestApi } from './api';
import type { TestEnv } from './env';
import { sleep } from './net';
import { eventually } from './processes';
import { startTestWorker } from './worker';

/** How long a test waits for a worker to settle an accepted issuance. */
const SETTLE_MS = 20_000;
/** A load loop whose connection was refused waits this long before its next request. */
const REFUSED_PAUSE_MS = 20;

/** Polls GET /v1/issuances/:id until it is no longer pending; returns that body. */
export function settled(api: TestApi, issuanceId: string): Promise<Record<string, any>> {
  return eventually(async () => {
    const res = await api.http.get(`/v1/issuances/${issuanceId}`);
    return res.body.status === 'pending' ? undefined : (res.body as Record<string, any>);
  }, SETTLE_MS, `issuance ${issuanceId} to settle`);
}

/** The coupon's persisted user coupons, by sequence. */
export function rowsOf(db: Kysely<Database>, couponId: number) {
  return db.selectFrom('user_coupons_storage').select(['issuance_id', 'user_id', 'sequence'])
    .where('coupon_id', '=', couponId).orderBy('sequence').execute();
}

/** Resolves once the coupon has `count` persisted user coupons. */
export async function rowsReach(db: Kysely<Database>, couponId: number, count: number, ms = SETTLE_MS): Promise<void> {
  await eventually(async () => ((await rowsOf(db, couponId)).length === count ? true : undefined), ms, `${count} rows of coupon ${couponId}`);
}

/** How many history entries the coupon's user coupons have. */
export async function historyCount(db: Kysely<Database>, couponId: number): Promise<number> {
  const rows = await db.selectFrom('user_coupons_storage_history').innerJoin('user_coupons_storage as u', 'u.id', 'user_coupon_id')
    .select('u.issuance_id').where('u.coupon_id', '=', couponId).execute();
  return rows.length;
}

/** What a clean stop leaves in the env's queue: no job failed, none left active. */
export async function expectQueueClean(env: TestEnv): Promise<void> {
  const queue = createIssuanceQueue(env.redis.redis, env.redis.queuePrefix);
  try {
    expect(await queue.getJobCounts('failed', 'active')).toEqual({ failed: 0, active: 0 });
  } finally {
    await queue.close();
  }
}

/** A worker of the test's own writes what waited in the queue; then rows = 202s exactly, none failed. */
export async function expectAllPersisted(env: TestEnv, couponId: number, accepted: string[], ms: number): Promise<void> {
  const drainer = await startTestWorker(env);
  try {
    await rowsReach(env.database.db, couponId, accepted.length, ms);
    expect((await rowsOf(env.database.db, couponId)).map((r) => r.issuance_id).sort()).toEqual([...accepted].sort());
    expect((await drainer.ctx.issuanceQueue.getJobCounts('failed')).failed).toBe(0);
  } finally {
    await drainer.close();
  }
}

export interface IssueLoad {
  accepted: string[];
  /** Counts of every answer but a 202 (`refused` when the connection failed). */
  other: Map<string, number>;
  stop(): Promise<void>;
}

/** Bounded client loops issuing the coupon to new users until stopped. */
export function issueLoad(base: string, couponId: number, userPrefix: string, loops = 16): IssueLoad {
  const accepted: string[] = [];
  const other = new Map<string, number>();
  const count = (key: string) => other.set(key, (other.get(key) ?? 0) + 1);
  let running = true;
  let next = 0;
  const all = Array.from({ length: loops }, async () => {
    while (running) {
      try {
        const res = await fetch(`${base}/v1/coupons/${couponId}/issuances`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: `${userPrefix}${next++}` }),
        });
        const body = (await res.json()) as { issuanceId: string };
        if (res.status === 202) accepted.push(body.issuanceId);
        else count(String(res.status));
      } catch {
        count('refused');
        await sleep(REFUSED_PAUSE_MS);
      }
    }
  });
  return {
    accepted,
    other,
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}
