import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must never import application code, so that the schema it
// builds stays the same whatever the app later becomes.
export async function up(db: Kysely<any>): Promise<void> {

  await sql`
    CREATE TABLE coupons (
      id              serial PRIMARY KEY,
      name            varchar(100) NOT NULL CHECK (length(name) >= 1),
      type            text NOT NULL CHECK (type IN ('limited', 'unlimited')),
      count           int4 NOT NULL CHECK (count >= 0),
      issued_count    int4 NOT NULL DEFAULT 0 CHECK (issued_count >= 0),
      start_date      timestamptz(3) NOT NULL,
      end_date        timestamptz(3) NOT NULL,
      expire_minute   int4 NOT NULL CHECK (expire_minute >= 1),
      discount_type   text NOT NULL CHECK (discount_type IN ('percent', 'amount')),
      discount_amount int4 NOT NULL CHECK (discount_amount >= 1),
      version         int4 NOT NULL DEFAULT 1,
      created_at      timestamptz(3) NOT NULL DEFAULT now(),
      updated_at      timestamptz(3) NOT NULL DEFAULT now(),
      deleted_at      timestamptz(3),
      CONSTRAINT coupons_window CHECK (start_date < end_date),
      CONSTRAINT coupons_count_by_type CHECK (
        (type = 'limited' AND count >= 1) OR (type = 'unlimited' AND count = 0)),
      -- the database is the final arbiter of stock, whatever Redis believed
      CONSTRAINT coupons_not_oversold CHECK (type = 'unlimited' OR issued_count <= count),
      CONSTRAINT coupons_percent_range CHECK (discount_type <> 'percent' OR discount_amount <= 100)
    )`.execute(db);

  await sql`
    CREATE TABLE coupons_history (
      id              serial PRIMARY KEY,
      coupon_id       int4 NOT NULL REFERENCES coupons (id),
      name            varchar(100) NOT NULL,
      type            text NOT NULL CHECK (type IN ('limited', 'unlimited')),
      count           int4 NOT NULL,
      start_date      timestamptz(3) NOT NULL,
      end_date        timestamptz(3) NOT NULL,
      expire_minute   int4 NOT NULL,
      discount_type   text NOT NULL CHECK (discount_type IN ('percent', 'amount')),
      discount_amount int4 NOT NULL,
      description     text NOT NULL CHECK (description IN ('created', 'updated', 'deleted')),
      created_at      timestamptz(3) NOT NULL DEFAULT now(),
      updated_at      timestamptz(3) NOT NULL DEFAULT now(),
      deleted_at      timestamptz(3)
    )`.execute(db);
  await sql`CREATE INDEX coupons_history_coupon_id ON coupons_history (coupon_id, id)`.execute(db);

  await sql`
    CREATE TABLE user_coupons_storage (
      id              serial PRIMARY KEY,
      issuance_id     text NOT NULL UNIQUE,
      user_id         text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 128),
      coupon_id       int4 NOT NULL REFERENCES coupons (id),
      sequence        int4 NOT NULL CHECK (sequence >= 1),
      product_id      text,
      give_date       timestamptz(3) NOT NULL,
      used_date       timestamptz(3),
      expire_date     timestamptz(3) NOT NULL,
      discount_type   text NOT NULL CHECK (discount_type IN ('percent', 'amount')),
      discount_amount int4 NOT NULL CHECK (discount_amount >= 1),
      created_at      timestamptz(3) NOT NULL DEFAULT now(),
      updated_at      timestamptz(3) NOT NULL DEFAULT now(),
      deleted_at      timestamptz(3),
      CONSTRAINT user_coupons_one_per_user UNIQUE (coupon_id, user_id),
      CONSTRAINT user_coupons_used_has_product CHECK ((used_date IS NULL) = (product_id IS NULL))
    )`.execute(db);
  // the user listing: WHERE user_id = $1 AND id < $cursor ORDER BY id DESC
  await sql`CREATE INDEX user_coupons_user_id_id ON user_coupons_storage (user_id, id DESC)`.execute(db);

  await sql`
    CREATE TABLE user_coupons_storage_history (
      id              serial PRIMARY KEY,
      user_coupon_id  int4 NOT NULL REFERENCES user_coupons_storage (id),
      product_id      text,
      used_date       timestamptz(3),
      description     text NOT NULL CHECK (description IN ('issued', 'used', 'use_cancelled', 'deleted')),
      created_at      timestamptz(3) NOT NULL DEFAULT now(),
      updated_at      timestamptz(3) NOT NULL DEFAULT now(),
      deleted_at      timestamptz(3)
    )`.execute(db);
  await sql`CREATE INDEX user_coupons_history_user_coupon_id ON user_coupons_storage_history (user_coupon_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE user_coupons_storage_history, user_coupons_storage, coupons_history, coupons`.execute(db);
}
