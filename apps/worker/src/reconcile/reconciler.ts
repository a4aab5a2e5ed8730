import { toCouponSnapshot } from '@coupon/db';
import { batchJobId, enqueueBatch, type IssuanceItem, type IssuanceRecord } from '@coupon/issuance';
import type { WorkerContext } from '../context';
import { oldestLiveJobAt } from './live-jobs';
import { findRowIds, listReconcilableCoupons, persistedCounts } from './reconcile.repository';

export type ReconcileDeps = Pick<WorkerContext, 'db' | 'issuance' | 'issuanceQueue' | 'log' | 'config'>;

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

/** Pending issuances looked at per coupon and pass. */
const SCAN = 1000;
/** Above this many pending issuances, drift is not measured this pass (see measureDrift). */
const DRIFT_MAX_PENDING = 10_000;
/** Orphans per re-enqueued job: one worker transaction's worth. */
const REQUEUE_CHUNK = 500;
/**
 * A group's job is added a few milliseconds after its reservations, stamped by the API's
 * clock, while requestedAt comes from Redis's: this margin covers the gap and clock skew.
 */
const LIVE_JOB_MARGIN_MS = 5000;

/**
 * Makes Redis agree with PostgreSQL again: rebuilds coupons whose state is missing,
 * re-mirrors stale metadata, and pushes through issuances that were reserved but whose
 * group job was lost (the API died before enqueueing, or the job failed for good) or whose
 * row was committed but never settled.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { coupons: 0, restored: 0, resynced: 0, requeued: 0, settledFromRows: 0, repaired: 0, drift: {} };
  // An issuance older than every live job cannot be in one: one queue read per pass, not a
  // job lookup per issuance.
  const liveSince = await oldestLiveJobAt(deps.issuanceQueue);
  const orphans: IssuanceItem[] = [];
  for (const coupon of await listReconcilableCoupons(deps.db)) {
    report.coupons++;
    const version = await deps.issuance.mirroredVersion(coupon.id);
    if (version === null) {
      if (await deps.issuance.restore(coupon.id)) report.restored++;
    } else if (version < coupon.version) {
      await deps.issuance.mirror(toCouponSnapshot(coupon));
      report.resynced++;
    }
    orphans.push(...(await findOrphans(deps, coupon.id, liveSince, report)));
    const drift = await measureDrift(deps, coupon.id);
    if (drift === null) continue;
    if (drift !== 0) report.drift[coupon.id] = drift;
    // Redis lost writes (a crash with everysec, a failover) but kept the coupon: without the
    // holders it forgot it would sell stock the database no longer has, and accept a holder
    // again; PostgreSQL refuses both, but those 202s would end failed
    if (drift < 0) {
      await deps.issuance.repair(coupon.id);
      report.repaired++;
    }
  }
  report.requeued = await requeue(deps, orphans);
  if (report.restored || report.requeued || report.settledFromRows || report.repaired || Object.keys(report.drift).length) {
    deps.log.warn(report, 'reconciled');
  }
  return report;
}

/** Pending issuances old enough, and older than any live job, with no row: to enqueue again. */
async function findOrphans(deps: ReconcileDeps, couponId: number, liveSince: number | null, report: ReconcileReport) {
  const cutoff = Math.min(Date.now() - deps.config.RECONCILE_PENDING_AGE_MS, (liveSince ?? Infinity) - LIVE_JOB_MARGIN_MS);
  const candidates: IssuanceRecord[] = [];
  for (const issuanceId of await deps.issuance.pending(couponId, SCAN)) {
    const record = await deps.issuance.read(couponId, issuanceId);
    if (!record || record.status !== 'pending') await deps.issuance.dropPending(couponId, issuanceId);
    else if (record.requestedAt < cutoff) candidates.push(record);
  }
  const rows = await findRowIds(deps.db, candidates.map((c) => c.issuanceId));
  const committed = candidates.filter((c) => rows.has(c.issuanceId));
  if (committed.length) {
    const settled = await deps.issuance.settleMany(committed.map((item) => {
      const row = rows.get(item.issuanceId)!;
      return { item, verdict: { status: 'issued' as const, userCouponId: row.id, issuedAt: row.createdAt.getTime() } };
    }));
    report.settledFromRows += settled.filter(Boolean).length;
  }
  return candidates.filter((c) => !rows.has(c.issuanceId)).map(toItem);
}

function toItem(record: IssuanceRecord): IssuanceItem {
  const { issuanceId, couponId, userId, sequence, requestedAt, expireAt, discountType, discountAmount } = record;
  return { issuanceId, couponId, userId, sequence, requestedAt, expireAt, discountType, discountAmount };
}

/**
 * Enqueues the orphans as batch jobs. A chunk's id comes from its issuances, so the same
 * orphans found again while their job is still queued add nothing; a job of theirs that
 * ended (failed for good, or completed without settling them) is removed first, as BullMQ
 * ignores an add whose id exists.
 */
async function requeue(deps: ReconcileDeps, orphans: IssuanceItem[]): Promise<number> {
  for (let i = 0; i < orphans.length; i += REQUEUE_CHUNK) {
    const chunk = orphans.slice(i, i + REQUEUE_CHUNK);
    const previous = await deps.issuanceQueue.getJob(batchJobId(chunk));
    if (previous && ((await previous.isCompleted()) || (await previous.isFailed()))) await previous.remove();
    await enqueueBatch(deps.issuanceQueue, chunk);
  }
  return orphans.length;
}

// Read in this order (pending, then PostgreSQL, then the users hash), an issuance that moves
// on between the reads (committed, settled) never shows as drift below zero; only rows Redis
// does not know do. (One refused and released in between can, and a repair is harmless.)
// Skipped (null) while a backlog is draining: reading every pending id each pass would cost
// more than the drift tells, and the repair waits for the next quiet pass.
async function measureDrift(deps: ReconcileDeps, couponId: number): Promise<number | null> {
  if ((await deps.issuance.pendingCount(couponId)) > DRIFT_MAX_PENDING) return null;
  const pending = await deps.issuance.pending(couponId, DRIFT_MAX_PENDING);
  const counts = await persistedCounts(deps.db, couponId, pending);
  const [accepted] = (await deps.issuance.acceptedCounts([couponId])).values();
  if (accepted === null || accepted === undefined) return null;
  return accepted - (pending.length - counts.pendingWithRow) - counts.persisted;
}
