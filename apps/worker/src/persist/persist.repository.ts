import { sql, type Transaction } from 'kysely';
import type { Database } from '@coupon/db';
import type { IssuanceItem } from '@coupon/issuance';

// The SQL of the worker's batch write, all of it inside the batch's transaction.

export interface PersistedRow {
  id: number;
  issuance_id: string;
  coupon_id: number;
  user_id: string;
  sequence: number;
  created_at: Date;
}

/** Locks the batch's coupons (in id order: no deadlock between workers) and returns their room left. */
export async function lockCouponRoom(trx: Transaction<Database>, items: IssuanceItem[]): Promise<Map<number, number>> {
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
 * Rows that already exist for these issuances, for these (coupon, user) pairs, or under
 * these (coupon, sequence) pairs. Index lookups joined by UNION: written as one WHERE … OR …,
 * PostgreSQL scans the whole table for every batch (33 ms at 200k rows, and growing).
 */
export async function findHolders(trx: Transaction<Database>, items: IssuanceItem[]): Promise<PersistedRow[]> {
  const coupons = items.map((i) => i.couponId);
  const { rows } = await sql<PersistedRow>`
    SELECT id, issuance_id, coupon_id, user_id, sequence, created_at FROM user_coupons_storage
    WHERE issuance_id = ANY(${items.map((i) => i.issuanceId)}::text[])
    UNION
    SELECT id, issuance_id, coupon_id, user_id, sequence, created_at FROM user_coupons_storage
    WHERE (coupon_id, user_id) IN (SELECT * FROM unnest(${coupons}::int4[], ${items.map((i) => i.userId)}::text[]))
    UNION
    SELECT id, issuance_id, coupon_id, user_id, sequence, created_at FROM user_coupons_storage
    WHERE (coupon_id, sequence) IN (SELECT * FROM unnest(${coupons}::int4[], ${items.map((i) => i.sequence)}::int4[]))
  `.execute(trx);
  return rows;
}

/** The highest sequence each coupon's rows hold (the coupons are locked: no one adds one meanwhile). */
export async function highestSequences(trx: Transaction<Database>, couponIds: number[]): Promise<Map<number, number>> {
  const rows = await trx
    .selectFrom('user_coupons_storage')
    .select(['coupon_id', (eb) => eb.fn.max('sequence').as('top')])
    .where('coupon_id', 'in', couponIds)
    .groupBy('coupon_id')
    .execute();
  return new Map(rows.map((r) => [r.coupon_id, Number(r.top)]));
}

// unnest keeps it one statement with 8 parameters, whatever the batch size
export async function insertUserCoupons(trx: Transaction<Database>, items: IssuanceItem[]) {
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
export async function addIssuedCounts(trx: Transaction<Database>, inserted: { coupon_id: number }[]): Promise<void> {
  if (inserted.length === 0) return;
  const added = new Map<number, number>();
  for (const row of inserted) added.set(row.coupon_id, (added.get(row.coupon_id) ?? 0) + 1);
  await sql`
    UPDATE coupons AS c SET issued_count = c.issued_count + d.n
    FROM unnest(${[...added.keys()]}::int4[], ${[...added.values()]}::int4[]) AS d(id, n)
    WHERE c.id = d.id
  `.execute(trx);
}
