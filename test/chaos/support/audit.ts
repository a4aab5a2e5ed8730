import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { couponKeys } from '@coupon/issuance';
import { loadWorkerConfig } from '@coupon/worker/config';
import { closeWorkerContext, createWorkerContext } from '@coupon/worker/context';
import { reconcile, type ReconcileReport } from '@coupon/worker/reconcile/reconciler';
import type { Entry } from './load';
import type { Stack } from './stack';

export interface CouponSpec {
  id: number;
  stock: number;
}

const LIVE = ['wait', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Jobs of the issuance queue by state. */
export async function queueCounts(stack: Stack<unknown>): Promise<Record<string, number>> {
  const queue = new Queue('issuance', { connection: stack.redisClient, prefix: stack.queuePrefix });
  try {
    return await queue.getJobCounts(...LIVE, 'failed', 'completed');
  } finally {
    await queue.close();
  }
}

/**
 * Waits until no issuance of these coupons is pending and no job is live, i.e. the worker
 * has caught up; returns the seconds it took. Throws after `timeoutMs`.
 */
export async function drained(stack: Stack<unknown>, coupons: CouponSpec[], timeoutMs = 90_000): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    try {
      const pending = await Promise.all(coupons.map((c) => stack.redisClient.zcard(`${stack.keyPrefix}${couponKeys(c.id).pending}`)));
      const counts = await queueCounts(stack);
      const live = LIVE.reduce((n, s) => n + (counts[s] ?? 0), 0);
      last = `pending ${pending.join('/')}, live jobs ${live} ${JSON.stringify(counts)}`;
      if (pending.every((p) => p === 0) && live === 0) return (Date.now() - started) / 1000;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not drained after ${timeoutMs} ms: ${last}`);
}

/** One reconciliation pass, as `pnpm reconcile` runs it, against the stack. */
export async function reconcileNow(stack: Stack<unknown>): Promise<ReconcileReport> {
  const config = loadWorkerConfig({ ...stack.vars, RECONCILE_PENDING_AGE_MS: '1' });
  const ctx = createWorkerContext(config);
  try {
    return await reconcile(ctx);
  } finally {
    await closeWorkerContext(ctx);
  }
}

export interface CouponAudit {
  id: number;
  stock: number;
  rows: number;
  historyRows: number;
  issuedCount: number;
  redisAccepted: number;
  redisPending: number;
  apiRemaining: number | null;
}

export interface Audit {
  requests: number;
  accepted: number;
  maybes: number;
  unavailable: number;
  notSent: number;
  serverErrors: number;
  persisted: number;
  /** 202s whose issuance has no row. */
  lost: string[];
  /** 202s whose issuance does not read `issued` through the API. */
  notIssued: { issuanceId: string; status: string }[];
  /** Rows beyond one per (coupon, user) or per issuance. */
  duplicates: number;
  /** Users given two 202s for the same coupon (only a Redis that lost data can do that). */
  doubleAccepted: number;
  /** Rows sharing a sequence number with another row of their coupon. */
  sequenceDuplicates: number;
  oversold: number;
  coupons: CouponAudit[];
}

/** Everything the invariants say, measured against the log of responses. */
export async function audit(stack: Stack<unknown>, coupons: CouponSpec[], log: Entry[]): Promise<Audit> {
  expect(stack.crashes()).toEqual([]);
  const ids = coupons.map((c) => c.id);
  const rows = await stack.db.selectFrom('user_coupons_storage').select(['issuance_id', 'user_id', 'coupon_id', 'sequence'])
    .where('coupon_id', 'in', ids).execute();
  const accepted = log.filter((e) => e.outcome === 'accepted');
  const byIssuance = new Map<string, number>();
  const byUser = new Map<string, number>();
  for (const r of rows) {
    byIssuance.set(r.issuance_id, (byIssuance.get(r.issuance_id) ?? 0) + 1);
    byUser.set(`${r.coupon_id}/${r.user_id}`, (byUser.get(`${r.coupon_id}/${r.user_id}`) ?? 0) + 1);
  }
  const duplicates = [...byIssuance.values(), ...byUser.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  const sequences = new Set(rows.map((r) => `${r.coupon_id}/${r.sequence}`));
  const acceptedUsers = new Map<string, number>();
  for (const e of accepted) acceptedUsers.set(`${e.couponId}/${e.userId}`, (acceptedUsers.get(`${e.couponId}/${e.userId}`) ?? 0) + 1);

  const notIssued = await readNotIssued(stack, accepted);
  const perCoupon: CouponAudit[] = [];
  for (const c of coupons) perCoupon.push(await auditCoupon(stack, c, rows.filter((r) => r.coupon_id === c.id).length));

  return {
    requests: log.length,
    accepted: accepted.length,
    maybes: log.filter((e) => e.outcome === 'maybe').length,
    unavailable: log.filter((e) => e.outcome === 'unavailable').length,
    notSent: log.filter((e) => e.outcome === 'not_sent').length,
    serverErrors: log.filter((e) => e.outcome === 'server_error').length,
    persisted: rows.length,
    lost: accepted.filter((e) => !byIssuance.has(e.issuanceId!)).map((e) => e.issuanceId!),
    notIssued,
    duplicates,
    doubleAccepted: [...acceptedUsers.values()].filter((n) => n > 1).length,
    sequenceDuplicates: rows.length - sequences.size,
    oversold: perCoupon.reduce((n, c) => n + Math.max(0, c.rows - c.stock), 0),
    coupons: perCoupon,
  };
}

const apiUrlOf = (stack: Stack<unknown>) => stack.apis.find((a) => a.child)!.url;

/** The 202s whose issuance does not read `issued` through the API, 16 reads at a time. */
async function readNotIssued(stack: Stack<unknown>, accepted: Entry[]): Promise<Audit['notIssued']> {
  const notIssued: Audit['notIssued'] = [];
  const queue = [...accepted];
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let e = queue.pop(); e; e = queue.pop()) {
      const res = await fetch(`${apiUrlOf(stack)}/v1/issuances/${e.issuanceId}`);
      const body = (await res.json()) as { status?: string; code?: string };
      if (body.status !== 'issued') notIssued.push({ issuanceId: e.issuanceId!, status: body.status ?? `${res.status} ${body.code}` });
    }
  }));
  return notIssued;
}

/** One coupon as PostgreSQL, Redis and the API tell it. */
async function auditCoupon(stack: Stack<unknown>, c: CouponSpec, rows: number): Promise<CouponAudit> {
  const keys = couponKeys(c.id);
  const { rows: [history] } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM user_coupons_storage_history h JOIN user_coupons_storage u ON u.id = h.user_coupon_id
    WHERE u.coupon_id = ${c.id} AND h.description = 'issued'`.execute(stack.db);
  const coupon = await stack.db.selectFrom('coupons').select('issued_count').where('id', '=', c.id).executeTakeFirstOrThrow();
  const api = (await (await fetch(`${apiUrlOf(stack)}/v1/coupons/${c.id}`)).json()) as { remainingStock: number | null };
  return {
    id: c.id,
    stock: c.stock,
    rows,
    historyRows: history!.n,
    issuedCount: coupon.issued_count,
    redisAccepted: await stack.redisClient.hlen(`${stack.keyPrefix}${keys.users}`),
    redisPending: await stack.redisClient.zcard(`${stack.keyPrefix}${keys.pending}`),
    apiRemaining: api.remainingStock,
  };
}

/**
 * The invariants every scenario must keep: no oversell, no duplicate, history = rows, and
 * Redis agreeing with PostgreSQL after reconciliation (accepted = rows, nothing pending,
 * remaining = stock - rows). With `lossless`, also: every 202 ended `issued` exactly once.
 */
export function expectInvariants(result: Audit, { lossless }: { lossless: boolean }): void {
  expect(result.oversold).toBe(0);
  expect(result.duplicates).toBe(0);
  expect(result.serverErrors).toBe(0);
  for (const c of result.coupons) {
    expect(c.rows).toBeLessThanOrEqual(c.stock);
    expect({ coupon: c.id, history: c.historyRows, issuedCount: c.issuedCount, redisAccepted: c.redisAccepted, redisPending: c.redisPending, remaining: c.apiRemaining })
      .toEqual({ coupon: c.id, history: c.rows, issuedCount: c.rows, redisAccepted: c.rows, redisPending: 0, remaining: c.stock - c.rows });
  }
  if (lossless) {
    expect(result.lost).toEqual([]);
    expect(result.notIssued).toEqual([]);
    expect(result.doubleAccepted).toBe(0);
    expect(result.sequenceDuplicates).toBe(0);
  }
}

export function summary(result: Audit): string {
  return [
    `requests ${result.requests}: accepted ${result.accepted}, maybe ${result.maybes}, 503 ${result.unavailable}, not sent ${result.notSent}, 5xx ${result.serverErrors}`,
    `persisted ${result.persisted}, lost ${result.lost.length}, not issued ${result.notIssued.length}, duplicates ${result.duplicates}, double-accepted ${result.doubleAccepted}, duplicate sequences ${result.sequenceDuplicates}, oversold ${result.oversold}`,
    ...result.coupons.map((c) => `coupon ${c.id}: stock ${c.stock}, rows ${c.rows}, history ${c.historyRows}, issued_count ${c.issuedCount}, redis accepted ${c.redisAccepted} pending ${c.redisPending}, api remaining ${c.apiRemaining}`),
  ].join('\n');
}

/**
 * Seconds from `since` until every issuance accepted before `since` is settled: it has its
 * row, or it is no longer pending in Redis (refused by PostgreSQL, or lost with Redis's
 * data). How long the backlog a fault built up takes to clear; polls while the load goes on.
 */
export async function backlogCleared(stack: Stack<unknown>, log: Entry[], since: number, timeoutMs = 90_000): Promise<number> {
  let open = log.filter((e) => e.outcome === 'accepted' && e.at <= since);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stack.destroyed) {
    try {
      const ids = open.map((e) => e.issuanceId!);
      const rows = ids.length === 0 ? [] : await stack.db.selectFrom('user_coupons_storage').select('issuance_id')
        .where('issuance_id', 'in', ids).execute();
      const persisted = new Set(rows.map((r) => r.issuance_id));
      const left = open.filter((e) => !persisted.has(e.issuanceId!));
      const pending = await Promise.all(left.map((e) =>
        stack.redisClient.zscore(`${stack.keyPrefix}${couponKeys(e.couponId).pending}`, e.issuanceId!)));
      open = left.filter((_, i) => pending[i] !== null);
      if (open.length === 0) return (Date.now() - since) / 1000;
    } catch {
      // a server is still down: keep polling
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return Number.NaN;
}
