import { sql, type Kysely } from 'kysely';
import type { CouponRow, Database } from '@coupon/db';

// ended coupons can still hold unsettled issuances for a while; a week covers any outage
const RECENTLY_ENDED = sql<Date>`now() - interval '7 days'`;

/** Coupons that may still hold Redis state worth reconciling, oldest first. */
export function listReconcilableCoupons(db: Kysely<Database>): Promise<CouponRow[]> {
  return db.selectFrom('coupons').selectAll().where('end_date', '>', RECENTLY_ENDED).orderBy('id').execute();
}

/** The rows that exist for these issuances: id by issuance id. */
export async function findRowIds(db: Kysely<Database>, issuanceIds: string[]): Promise<Map<string, { id: number; createdAt: Date }>> {
  if (issuanceIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('user_coupons_storage')
    .select(['id', 'issuance_id', 'created_at'])
    .where('issuance_id', 'in', issuanceIds)
    .execute();
  return new Map(rows.map((r) => [r.issuance_id, { id: r.id, createdAt: r.created_at }]));
}

/**
 * issued_count moves in the same transaction as the rows, so it counts them without a scan;
 * with it, how many of these pending issuances already have a row.
 */
export async function persistedCounts(db: Kysely<Database>, couponId: number, pending: string[]) {
  const { rows: [counts] } = await sql<{ persisted: number; pendingWithRow: number }>`
    SELECT c.issued_count AS "persisted",
           (SELECT count(*)::int FROM user_coupons_storage u WHERE u.issuance_id = ANY(${pending}::text[])) AS "pendingWithRow"
    FROM coupons c WHERE c.id = ${couponId}
  `.execute(db);
  return counts!;
}
