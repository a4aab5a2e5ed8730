import { sql, type Kysely } from 'kysely';

// Frozen in time: no application imports.
//
// DESIGN.md invariant 6: a coupon never hands out one sequence number twice, not even
// across a lost or failed-over Redis. Before this constraint a Redis that came back without
// its counter could repeat numbers; rows that already repeat one are renumbered first, after
// the coupon's highest (the earliest row keeps the number).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    WITH ranked AS (
      SELECT id, coupon_id, row_number() OVER (PARTITION BY coupon_id, sequence ORDER BY id) AS rank
      FROM user_coupons_storage
    ), highest AS (
      SELECT coupon_id, max(sequence) AS top FROM user_coupons_storage GROUP BY coupon_id
    ), renumbered AS (
      SELECT r.id, h.top + row_number() OVER (PARTITION BY r.coupon_id ORDER BY r.id) AS sequence
      FROM ranked r JOIN highest h USING (coupon_id)
      WHERE r.rank > 1
    )
    UPDATE user_coupons_storage u SET sequence = renumbered.sequence FROM renumbered WHERE u.id = renumbered.id
  `.execute(db);
  await sql`
    ALTER TABLE user_coupons_storage
      ADD CONSTRAINT user_coupons_storage_coupon_sequence UNIQUE (coupon_id, sequence)
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE user_coupons_storage DROP CONSTRAINT user_coupons_storage_coupon_sequence`.execute(db);
}
