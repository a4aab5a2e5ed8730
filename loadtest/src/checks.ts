// After each phase: PostgreSQL and Redis must agree with what the clients were told.
import { couponKeys } from '@coupon/issuance';
import type { BenchCoupon } from './admin';
import type { LoadResult } from './load';
import { sleep } from '@coupon/test/support/net';
import type { Stack } from './stack';

export interface Persisted {
  rows: number;
  distinctUsers: number;
  historyRows: number;
  issuedCount: number;
  /** Accepted issuances according to Redis (the coupon's user -> issuance hash). */
  redisAccepted: number;
  redisPending: number;
}

export interface Check {
  ok: boolean;
  line: string;
}

export async function readPersisted(stack: Stack, couponId: number): Promise<Persisted> {
  const keys = couponKeys(couponId);
  const [{ rows: [row] }, redisAccepted, redisPending] = await Promise.all([
    stack.db.query<{ rows: number; users: number; history: number; issued: number }>(
      `SELECT (SELECT count(*)::int FROM user_coupons_storage WHERE coupon_id = $1) AS rows,
              (SELECT count(DISTINCT user_id)::int FROM user_coupons_storage WHERE coupon_id = $1) AS users,
              (SELECT count(*)::int FROM user_coupons_storage_history h JOIN user_coupons_storage u ON u.id = h.user_coupon_id
                WHERE u.coupon_id = $1 AND h.description = 'issued') AS history,
              (SELECT issued_count FROM coupons WHERE id = $1) AS issued`,
      [couponId],
    ),
    stack.redis.hlen(stack.keyPrefix + keys.users),
    stack.redis.zcard(stack.keyPrefix + keys.pending),
  ]);
  return {
    rows: row!.rows, distinctUsers: row!.users, historyRows: row!.history, issuedCount: row!.issued,
    redisAccepted, redisPending,
  };
}

/** Waits until the worker has settled everything Redis accepted for the coupon. */
export async function waitPersisted(stack: Stack, couponId: number, timeoutMs: number): Promise<Persisted> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readPersisted(stack, couponId);
    if ((state.rows >= state.redisAccepted && state.redisPending === 0) || Date.now() > deadline) return state;
    await sleep(250);
  }
}

/**
 * rows = accepted, no duplicate (coupon, user), no oversell. The client may have given up on
 * requests still in flight when a timed load stopped; those may have been accepted without
 * the client seeing the 202, so accepted lies between the 202s seen and that plus the unanswered.
 * A 503 may carry a reservation that stands (API.md: replicas too slow to acknowledge it),
 * so 503s widen the range as the unanswered do.
 */
export function verify(phase: string, coupon: BenchCoupon, load: LoadResult, state: Persisted): Check {
  const { unanswered } = load;
  const unavailable = load.statusCodes['503'] ?? 0;
  const failures: string[] = [];
  if (state.rows !== state.redisAccepted) failures.push(`rows ${state.rows} != accepted ${state.redisAccepted}`);
  if (state.redisPending !== 0) failures.push(`${state.redisPending} still pending`);
  if (state.redisAccepted < load.accepted || state.redisAccepted > load.accepted + unanswered + unavailable) {
    failures.push(`accepted ${state.redisAccepted} outside [202s ${load.accepted}, +${unanswered} unanswered${unavailable ? ` +${unavailable} 503s` : ''}]`);
  }
  if (state.distinctUsers !== state.rows) failures.push(`${state.rows - state.distinctUsers} duplicate (coupon,user)`);
  if (state.historyRows !== state.rows) failures.push(`history rows ${state.historyRows} != rows ${state.rows}`);
  if (state.issuedCount !== state.rows) failures.push(`issued_count ${state.issuedCount} != rows ${state.rows}`);
  if (coupon.type === 'limited' && state.rows > coupon.count) failures.push(`oversold: ${state.rows} > stock ${coupon.count}`);
  const ok = failures.length === 0;
  const stock = coupon.type === 'limited' ? `stock ${coupon.count}` : 'unlimited';
  const line = `check ${phase.padEnd(9)} coupon ${coupon.id}: ${ok ? 'OK ' : 'FAIL'} rows ${state.rows} = accepted ${state.redisAccepted} ` +
    `(202s seen ${load.accepted}, unanswered ${unanswered}${unavailable ? `, 503s ${unavailable}` : ''}), duplicates ${state.rows - state.distinctUsers}, ` +
    `${stock}${ok ? '' : ` — ${failures.join('; ')}`}`;
  return { ok, line };
}

export interface Lag {
  p50: number;
  p99: number;
  /** Rows over the span between the first and the last commit. */
  rowsPerSecond: number;
}

/** 202 → committed row, from the rows themselves: created_at (commit's transaction) − give_date (reservation). */
export async function readLag(stack: Stack, couponId: number): Promise<Lag> {
  const { rows: [row] } = await stack.db.query<{ p50: number | null; p99: number | null; n: number; span: number | null }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99,
            count(*)::int AS n,
            extract(epoch FROM max(created_at) - min(created_at))::float8 AS span
       FROM (SELECT created_at, extract(epoch FROM created_at - give_date)::float8 * 1000 AS lag
               FROM user_coupons_storage WHERE coupon_id = $1) t`,
    [couponId],
  );
  const span = row?.span ?? 0;
  return { p50: row?.p50 ?? NaN, p99: row?.p99 ?? NaN, rowsPerSecond: span > 0 ? row!.n / span : NaN };
}
