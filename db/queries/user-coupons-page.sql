-- GET /v1/users/:userId/coupons: the listing's hot read, as Kysely compiles it from
-- userCouponPageQuery (apps/api/src/user-coupons/user-coupon.repository.ts).
-- Served by the index user_coupons_user_id_id (user_id, id DESC): an Index Scan that
-- starts at the cursor and stops after $limit + 1 live rows, with no sort.
-- test/user-coupons/listing-plan.test.ts fails when this file and the code drift apart,
-- and checks the plan on 1,000,000 rows.

-- first page: $1 user_id, $2 limit + 1
select * from "user_coupons_storage"
where "user_id" = $1 and "deleted_at" is null and "expire_date" > now()
order by "id" desc
limit $2;

-- next pages: $1 user_id, $2 cursor (the previous page's nextCursor), $3 limit + 1
select * from "user_coupons_storage"
where "user_id" = $1 and "id" < $2 and "deleted_at" is null and "expire_date" > now()
order by "id" desc
limit $3;
