import { SEQUENCE_GAP_AFTER_LOSS, type BatchOutcomeCounts, type IssuanceItem, type Verdict } from '@coupon/issuance';
import { Batcher, crashAt } from '@coupon/runtime';
import type { WorkerContext } from '../context';
import { persistBatch } from './persist-batch';

export type BatchWriter = Batcher<IssuanceItem, Verdict>;

/**
 * Merges the items of the persist-batch jobs in hand into transactions of BATCH_SIZE (or
 * whatever arrived within BATCH_WAIT_MS), writes each in one transaction, then settles all
 * its issuances in Redis with one script call. Only then do the jobs complete: a crash
 * anywhere before leaves them to be retried, and the retry finds the committed rows.
 */
export function createBatchWriter(ctx: WorkerContext, onProgress: () => void): BatchWriter {
  const { config, metrics, log } = ctx;
  const beforeCommit = () => crashAt('before-commit', config.FAULT_CRASH_AT);
  return new Batcher<IssuanceItem, Verdict>(
    async (items) => {
      const timer = metrics.batchDuration.startTimer();
      const verdicts = await persistBatch(ctx.db, items, beforeCommit);
      timer();
      metrics.batchSize.observe(items.length);
      await crashAt('after-commit', config.FAULT_CRASH_AT);
      const settled = await ctx.issuance.settleMany(items.map((item, i) => ({ item, verdict: verdicts[i]! })));
      await raiseRenumbered(ctx, items, verdicts);
      onProgress();
      items.forEach((item, i) => {
        if (!settled[i]) return; // a retry of what was settled before: counted then
        const verdict = verdicts[i]!;
        if (verdict.status === 'issued') {
          metrics.settled.inc({ outcome: 'issued' });
          metrics.persistLag.observe(Math.max(0, verdict.issuedAt - item.requestedAt) / 1000);
          return;
        }
        metrics.settled.inc({ outcome: verdict.reason });
        // a 202 that PostgreSQL refused: Redis had accepted what the database did not have
        // (lost Redis writes, a failover); the client sees `failed` when it polls
        metrics.acceptedThenFailed.inc({ reason: verdict.reason });
        log.warn({ issuanceId: item.issuanceId, couponId: item.couponId, userId: item.userId, reason: verdict.reason },
          'accepted issuance refused by PostgreSQL');
      });
      return verdicts;
    },
    config.BATCH_SIZE,
    config.BATCH_WAIT_MS,
  );
}

/**
 * A row that took a new number shows that Redis's counter had lost numbers it handed out:
 * the coupon's counter moves past every one that may still be in flight.
 */
async function raiseRenumbered(ctx: WorkerContext, items: IssuanceItem[], verdicts: Verdict[]): Promise<void> {
  const highest = new Map<number, number>();
  items.forEach((item, i) => {
    const verdict = verdicts[i]!;
    if (verdict.status !== 'issued' || verdict.sequence === undefined) return;
    ctx.metrics.renumbered.inc();
    ctx.log.warn({ issuanceId: item.issuanceId, couponId: item.couponId, from: item.sequence, to: verdict.sequence },
      'sequence already taken: the row took a new number');
    highest.set(item.couponId, Math.max(highest.get(item.couponId) ?? 0, verdict.sequence));
  });
  for (const [couponId, sequence] of highest) await ctx.issuance.raiseSequence(couponId, sequence + SEQUENCE_GAP_AFTER_LOSS);
}

/** A job's result as Bull Board shows it. */
export function countOutcomes(verdicts: Verdict[]): BatchOutcomeCounts {
  const counts: BatchOutcomeCounts = { issued: 0, sold_out: 0, already_holds_coupon: 0 };
  for (const verdict of verdicts) counts[verdict.status === 'issued' ? 'issued' : verdict.reason]++;
  return counts;
}
