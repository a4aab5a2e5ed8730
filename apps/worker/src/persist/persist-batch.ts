import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@coupon/db';
import type { IssuanceItem, Verdict } from '@coupon/issuance';
import {
  addIssuedCounts, findHolders, highestSequences, insertUserCoupons, lockCouponRoom, type PersistedRow,
} from './persist.repository';

/**
 * Writes a batch of accepted issuances in one transaction, PostgreSQL having the last word:
 * an issuance already written keeps its row (retries are harmless); one whose user holds
 * the coupon under another issuance fails; one beyond the coupon's stock fails and gives
 * its place back; one whose sequence number a row already holds (a Redis that lost its
 * counter handed it out again) is written under a new number after the coupon's highest.
 * Outcomes come back in the order of `items`.
 */
export function persistBatch(
  db: Kysely<Database>,
  items: IssuanceItem[],
  beforeCommit?: () => Promise<void>,
): Promise<Verdict[]> {
  return db.transaction().execute(async (trx) => {
    const room = await lockCouponRoom(trx, items);
    const { outcomes, toInsert, clashing } = judge(items, room, await findHolders(trx, items));
    const writes = clashing.size ? await renumber(trx, toInsert, clashing) : toInsert;
    const inserted = await insertUserCoupons(trx, writes);
    // every conflict was ruled out under the coupon locks; if one slipped through, retry the
    // batch rather than guess the verdict
    if (inserted.length !== writes.length) throw new Error('unexpected conflict while inserting a batch');
    const sequenceOf = new Map(writes.map((w) => [w.issuanceId, w.sequence]));
    // issuedAt is the row's created_at, so Redis and PostgreSQL tell the same instant
    for (const row of inserted) {
      const renumbered = clashing.has(row.issuance_id) ? { sequence: sequenceOf.get(row.issuance_id)! } : {};
      outcomes.set(row.issuance_id, { status: 'issued', userCouponId: row.id, issuedAt: row.created_at.getTime(), ...renumbered });
    }
    await addIssuedCounts(trx, inserted);
    await beforeCommit?.();
    return items.map((item) => outcomes.get(item.issuanceId)!);
  });
}

/** Each issuance's verdict where the rows decide it, the ones to write, and those whose number is taken. */
function judge(items: IssuanceItem[], room: Map<number, number>, holders: PersistedRow[]) {
  const byIssuance = new Map(holders.map((h) => [h.issuance_id, h]));
  const users = new Set(holders.map((h) => `${h.coupon_id}/${h.user_id}`));
  const sequences = new Set(holders.map((h) => `${h.coupon_id}#${h.sequence}`));
  const outcomes = new Map<string, Verdict>();
  const toInsert: IssuanceItem[] = [];
  const clashing = new Set<string>();
  const seen = new Set<string>();
  for (const item of [...items].sort((a, b) => a.sequence - b.sequence)) {
    if (seen.has(item.issuanceId)) continue; // the same issuance twice (duplicated jobs merged)
    seen.add(item.issuanceId);
    const own = byIssuance.get(item.issuanceId);
    const userKey = `${item.couponId}/${item.userId}`;
    if (own) {
      outcomes.set(item.issuanceId, { status: 'issued', userCouponId: own.id, issuedAt: own.created_at.getTime() });
    } else if (users.has(userKey)) {
      outcomes.set(item.issuanceId, { status: 'failed', reason: 'already_holds_coupon', release: false });
    } else if ((room.get(item.couponId) ?? 0) <= 0) {
      outcomes.set(item.issuanceId, { status: 'failed', reason: 'sold_out', release: true });
    } else {
      room.set(item.couponId, room.get(item.couponId)! - 1);
      users.add(userKey);
      const sequenceKey = `${item.couponId}#${item.sequence}`;
      if (sequences.has(sequenceKey)) clashing.add(item.issuanceId);
      sequences.add(sequenceKey);
      toInsert.push(item);
    }
  }
  return { outcomes, toInsert, clashing };
}

/** New numbers, after the highest any row or any issuance of the batch holds, for those whose number is taken. */
async function renumber(trx: Transaction<Database>, items: IssuanceItem[], clashing: Set<string>): Promise<IssuanceItem[]> {
  const coupons = [...new Set(items.filter((i) => clashing.has(i.issuanceId)).map((i) => i.couponId))];
  const next = await highestSequences(trx, coupons);
  for (const item of items) next.set(item.couponId, Math.max(next.get(item.couponId) ?? 0, item.sequence));
  return items.map((item) => {
    if (!clashing.has(item.issuanceId)) return item;
    const sequence = next.get(item.couponId)! + 1;
    next.set(item.couponId, sequence);
    return { ...item, sequence };
  });
}
