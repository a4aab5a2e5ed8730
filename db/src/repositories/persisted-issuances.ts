import type { Kysely } from 'kysely';
import type { CouponRow, Database } from '../tables';

// The PostgreSQL reads the issuance store needs to rebuild or repair a coupon's Redis state
// (packages/issuance's PersistedSource). Both apps restore: the API on a request that finds
// no state, the worker's reconciler on its schedule.

export function toCouponSnapshot(row: CouponRow) {
  return {
    id: row.id,
    type: row.type,
    count: row.count,
    startDate: new Date(row.start_date),
    endDate: new Date(row.end_date),
    deletedAt: row.deleted_at ? new Date(row.deleted_at) : null,
    expireMinute: row.expire_minute,
    discountType: row.discount_type,
    discountAmount: row.discount_amount,
    version: row.version,
  };
}

export function persistedIssuances(db: Kysely<Database>) {
  return {
    async coupon(couponId: number) {
      const row = await db.selectFrom('coupons').selectAll().where('id', '=', couponId).executeTakeFirst();
      return row && toCouponSnapshot(row);
    },
    async holders(couponId: number, afterId: number, limit: number) {
      const rows = await db
        .selectFrom('user_coupons_storage')
        .select(['id', 'user_id', 'issuance_id', 'sequence'])
        .where('coupon_id', '=', couponId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, userId: r.user_id, issuanceId: r.issuance_id, sequence: r.sequence }));
    },
  };
}
