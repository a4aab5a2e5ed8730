import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@coupon/db';
import {
  couponKeys, enqueuePersist, readIssuanceRecord, repairCouponHolders, restoreCouponState, syncCouponState,
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
  /** Coupons whose persisted holders were missing from Redis and were put back. */
  repaired: number;
  /**
   * Per coupon, as found: accepted in Redis minus (rows + pending issuances without a row).
   * Negative: PostgreSQL holds rows Redis lost (repaired in the same pass); positive: Redis
   * holds places no row or pending issuance accounts for.
   */
  drift: Record<number, number>;
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
const SCAN = 1000;
const DRIFT_MAX_PENDING = 10_000;

/**
 * Makes Redis agree with PostgreSQL again: rebuilds coupons whose state is missing,
 * re-mirrors stale metadata, and pushes through issuances that were reserved but whose
 * job was lost (API died before enqueue) or whose row was committed but never settled.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { coupons: 0, restored: 0, resynced: 0, requeued: 0, settledFromRows: 0, repaired: 0, drift: {} };
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
    const drift = await measureDrift(deps, coupon.id);
    if (drift === null) continue;
    if (drift !== 0) report.drift[coupon.id] = drift;
    // Redis lost writes (a crash with everysec, a failover) but kept the coupon: without the
    // holders it forgot it would sell stock the database no longer has, and accept a holder
    // again; PostgreSQL refuses both, but those 202s would end failed
    if (drift < 0) {
      await repairCouponHolders(deps.redis, deps.db, coupon.id);
      report.repaired++;
    }
  }
  if (report.restored || report.requeued || report.settledFromRows || report.repaired || Object.keys(report.drift).length) {
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
// Read in this order (pending, then PostgreSQL, then the users hash), an issuance that moves
// on between the reads (committed, settled) never shows as drift below zero; only rows Redis
// does not know do. (One refused and released in between can, and a repair is harmless.)
// Skipped (null) while a backlog is draining: reading every pending id each pass would cost
// more than the drift tells, and the repair waits for the next quiet pass.
async function measureDrift(deps: ReconcileDeps, couponId: number): Promise<number | null> {
  const keys = couponKeys(couponId);
  if ((await deps.redis.zcard(keys.pending)) > DRIFT_MAX_PENDING) return null;
  const pending = await deps.redis.zrange(keys.pending, 0, -1);
  const { rows: [counts] } = await sql<{ persisted: number; pendingWithRow: number }>`
    SELECT c.issued_count AS "persisted",
           (SELECT count(*)::int FROM user_coupons_storage u WHERE u.issuance_id = ANY(${pending}::text[])) AS "pendingWithRow"
    FROM coupons c WHERE c.id = ${couponId}
  `.execute(deps.db);
  const accepted = await deps.redis.hlen(keys.users);
  return accepted - (pending.length - counts!.pendingWithRow) - counts!.persisted;
}
