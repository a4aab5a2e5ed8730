import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@coupon/db';
import type { IssuanceItem, Verdict } from '@coupon/issuance';

interface Holder {
  id: number;
  issuance_id: string;
  coupon_id: number;
  user_id: string;
  created_at: Date;
}

/**
 * Writes a batch of accepted issuances in one transaction, PostgreSQL having the last word:
 * an issuance already written keeps its row (retries are harmless); one whose user holds
 * the coupon under another issuance fails; one beyond the coupon's stock fails and gives
 * its place back. Outcomes come back in the order of `items`.
 */
export function persistBatch(
  db: Kysely<Database>,
  items: IssuanceItem[],
  beforeCommit?: () => Promise<void>,
): Promise<Verdict[]> {
  return db.transaction().execute(async (trx) => {
    const room = await lockCouponRoom(trx, items);
    const holders = await findHolders(trx, items);
    const byIssuance = new Map(holders.map((h) => [h.issuance_id, h]));
    const byUser = new Map(holders.map((h) => [`${h.coupon_id}/${h.user_id}`, h]));

    const outcomes = new Map<string, Verdict>();
    const toInsert: IssuanceItem[] = [];
    const taken = new Set<string>();
    for (const item of [...items].sort((a, b) => a.sequence - b.sequence)) {
      if (outcomes.has(item.issuanceId)) continue; // the same job twice in one batch
      const own = byIssuance.get(item.issuanceId);
      const userKey = `${item.couponId}/${item.userId}`;
      if (own) {
        outcomes.set(item.issuanceId, { status: 'issued', userCouponId: own.id, issuedAt: own.created_at.getTime() });
      } else if (byUser.has(userKey) || taken.has(userKey)) {
        outcomes.set(item.issuanceId, { status: 'failed', reason: 'already_holds_coupon', release: false });
      } else if ((room.get(item.couponId) ?? 0) <= 0) {
        outcomes.set(item.issuanceId, { status: 'failed', reason: 'sold_out', release: true });
      } else {
        room.set(item.couponId, room.get(item.couponId)! - 1);
        taken.add(userKey);
        toInsert.push(item);
      }
    }

    const inserted = await insertUserCoupons(trx, toInsert);
    // every conflict was ruled out under the coupon locks; if one slipped through, retry the
    // batch rather than guess the verdict
    if (inserted.length !== toInsert.length) throw new Error('unexpected conflict while inserting a batch');
    // issuedAt is the row's created_at, so Redis and PostgreSQL tell the same instant
    for (const row of inserted) {
      outcomes.set(row.issuance_id, { status: 'issued', userCouponId: row.id, issuedAt: row.created_at.getTime() });
    }
    await addIssuedCounts(trx, inserted);
    await beforeCommit?.();
    return items.map((item) => outcomes.get(item.issuanceId)!);
  });
}

/** Locks the batch's coupons (in id order: no deadlock between workers) and returns their room left. */
async function lockCouponRoom(trx: Transaction<Database>, items: IssuanceItem[]) {
  const ids = [...new Set(items.map((i) => i.couponId))];
  const rows = await trx
    .selectFrom('coupons')
    .select(['id', 'type', 'count', 'issued_count'])
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute();
  return new Map(rows.map((c) => [c.id, c.type === 'unlimited' ? Number.MAX_SAFE_INTEGER : c.count - c.issued_count]));
}

/**
 * Rows that already exist for these issuances, or for these (coupon, user) pairs. Two index
 * lookups joined by UNION: written as one WHERE … OR …, PostgreSQL scans the whole table
 * for every batch (33 ms at 200k rows, and growing; see loadtest/RESULTS.md).
 */
async function findHolders(trx: Transaction<Database>, items: IssuanceItem[]): Promise<Holder[]> {
  const { rows } = await sql<Holder>`
    SELECT id, issuance_id, coupon_id, user_id, created_at FROM user_coupons_storage
    WHERE issuance_id = ANY(${items.map((i) => i.issuanceId)}::text[])
    UNION
    SELECT id, issuance_id, coupon_id, user_id, created_at FROM user_coupons_storage
    WHERE (coupon_id, user_id) IN (
            SELECT * FROM unnest(${items.map((i) => i.couponId)}::int4[], ${items.map((i) => i.userId)}::text[]))
  `.execute(trx);
  return rows;
}

// unnest keeps it one statement with 8 parameters, whatever the batch size
async function insertUserCoupons(trx: Transaction<Database>, items: IssuanceItem[]) {
  if (items.length === 0) return [];
  const column = <T>(pick: (i: IssuanceItem) => T) => items.map(pick);
  const { rows } = await sql<{ id: number; issuance_id: string; coupon_id: number; created_at: Date }>`
    WITH inserted AS (
      INSERT INTO user_coupons_storage
        (issuance_id, user_id, coupon_id, sequence, give_date, expire_date, discount_type, discount_amount)
      SELECT * FROM unnest(
        ${column((i) => i.issuanceId)}::text[], ${column((i) => i.userId)}::text[],
        ${column((i) => i.couponId)}::int4[], ${column((i) => i.sequence)}::int4[],
        ${column((i) => new Date(i.requestedAt).toISOString())}::timestamptz[],
        ${column((i) => new Date(i.expireAt).toISOString())}::timestamptz[],
        ${column((i) => i.discountType)}::text[], ${column((i) => i.discountAmount)}::int4[])
      ON CONFLICT DO NOTHING
      RETURNING id, issuance_id, coupon_id, created_at
    ), history AS (
      INSERT INTO user_coupons_storage_history (user_coupon_id, description)
      SELECT id, 'issued' FROM inserted
    )
    SELECT id, issuance_id, coupon_id, created_at FROM inserted
  `.execute(trx);
  return rows;
}

// The CHECK (issued_count <= count) makes the database refuse an oversell even if the
// room computed above were wrong.
async function addIssuedCounts(trx: Transaction<Database>, inserted: { coupon_id: number }[]) {
  if (inserted.length === 0) return;
  const added = new Map<number, number>();
  for (const row of inserted) added.set(row.coupon_id, (added.get(row.coupon_id) ?? 0) + 1);
  await sql`
    UPDATE coupons AS c SET issued_count = c.issued_count + d.n
    FROM unnest(${[...added.keys()]}::int4[], ${[...added.values()]}::int4[]) AS d(id, n)
    WHERE c.id = d.id
  `.execute(trx);
}
