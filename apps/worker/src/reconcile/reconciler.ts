import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@coupon/db';
import {
  couponKeys, enqueuePersist, readIssuanceRecord, restoreCouponState, syncCouponState,
  type PersistIssuanceJob,
} from '@coupon/issuance';
import type { Logger } from '@coupon/runtime';
import { settleIssuance } from '../persist/settle';

export interface ReconcileDeps {
  db: Kysely<Database>;
  redis: Redis;
  queue: Queue<PersistIssuanceJob>;
  log: Logger;
  pendingAgeMs: number;
  recordTtlSeconds: number;
}

export interface ReconcileReport {
  coupons: number;
  restored: number;
  resynced: number;
  requeued: number;
  settledFromRows: number;
  /** Per coupon: accepted in Redis minus (rows + pending); non-zero means Redis and PostgreSQL disagree. */
  drift: Record<number, number>;
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
const SCAN = 1000;

/**
 * Makes Redis agree with PostgreSQL again: rebuilds coupons whose state is missing,
 * re-mirrors stale metadata, and pushes through issuances that were reserved but whose
 * job was lost (API died before enqueue) or whose row was committed but never settled.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { coupons: 0, restored: 0, resynced: 0, requeued: 0, settledFromRows: 0, drift: {} };
  // ended coupons can still hold unsettled issuances for a while; a week covers any outage
  const coupons = await deps.db
    .selectFrom('coupons')
    .selectAll()
    .where('end_date', '>', sql<Date>`now() - interval '7 days'`)
    .orderBy('id')
    .execute();
  for (const coupon of coupons) {
    report.coupons++;
    const keys = couponKeys(coupon.id);
    const version = await deps.redis.hget(keys.meta, 'version');
    if (version === null) {
      if (await restoreCouponState(deps.redis, deps.db, coupon.id)) report.restored++;
    } else if (Number(version) < coupon.version) {
      await syncCouponState(deps.redis, deps.db, coupon);
      report.resynced++;
    }
    await reconcilePending(deps, coupon.id, report);
    const drift = await measureDrift(deps, coupon.id, coupon.issued_count);
    if (drift !== 0) report.drift[coupon.id] = drift;
  }
  if (report.restored || report.requeued || report.settledFromRows || Object.keys(report.drift).length) {
    deps.log.warn(report, 'reconciled');
  }
  return report;
}

async function reconcilePending(deps: ReconcileDeps, couponId: number, report: ReconcileReport) {
  const keys = couponKeys(couponId);
  const pending = await deps.redis.zrange(keys.pending, 0, SCAN - 1);
  const cutoff = Date.now() - deps.pendingAgeMs;
  for (const issuanceId of pending) {
    const record = await readIssuanceRecord(deps.redis, couponId, issuanceId);
    if (!record || record.status !== 'pending') {
      await deps.redis.zrem(keys.pending, issuanceId);
      continue;
    }
    if (record.requestedAt > cutoff) continue;
    const job = await deps.queue.getJob(issuanceId);
    const state = job ? await job.getState() : null;
    if (state && LIVE_STATES.has(state)) continue;

    const row = await deps.db
      .selectFrom('user_coupons_storage')
      .select('id')
      .where('issuance_id', '=', issuanceId)
      .executeTakeFirst();
    if (row) {
      await settleIssuance(deps.redis, record, { status: 'issued', userCouponId: row.id, committedAt: Date.now() }, deps.recordTtlSeconds);
      report.settledFromRows++;
      continue;
    }
    if (job) await job.remove(); // failed for good, or completed without a row: start over
    await enqueuePersist(deps.queue, {
      issuanceId, couponId, userId: record.userId, sequence: record.sequence, requestedAt: record.requestedAt,
      expireAt: record.expireAt, discountType: record.discountType, discountAmount: record.discountAmount,
    });
    report.requeued++;
  }
}

// issued_count moves in the same transaction as the rows, so it counts them without a scan.
// A batch between its commit and its settle shows as a passing drift of -1 per issuance.
async function measureDrift(deps: ReconcileDeps, couponId: number, persisted: number): Promise<number> {
  const keys = couponKeys(couponId);
  const [accepted, pending] = await Promise.all([deps.redis.hlen(keys.users), deps.redis.zcard(keys.pending)]);
  return accepted - pending - persisted;
}
