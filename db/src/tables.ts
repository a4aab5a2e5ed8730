import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

import type { CouponType, DiscountType } from '@coupon/domain';

export type { CouponType, DiscountType };

export interface CouponsTable {
  id: Generated<number>;
  name: string;
  type: CouponType;
  count: number;
  issued_count: Generated<number>;
  start_date: Timestamp;
  end_date: Timestamp;
  expire_minute: number;
  discount_type: DiscountType;
  discount_amount: number;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface CouponsHistoryTable {
  id: Generated<number>;
  coupon_id: number;
  name: string;
  type: CouponType;
  count: number;
  start_date: Timestamp;
  end_date: Timestamp;
  expire_minute: number;
  discount_type: DiscountType;
  discount_amount: number;
  description: 'created' | 'updated' | 'deleted';
  created_at: CreatedAt;
  updated_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface UserCouponsStorageTable {
  id: Generated<number>;
  issuance_id: string;
  user_id: string;
  coupon_id: number;
  sequence: number;
  product_id: string | null;
  give_date: Timestamp;
  used_date: Timestamp | null;
  expire_date: Timestamp;
  discount_type: DiscountType;
  discount_amount: number;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export type UserCouponEvent = 'issued' | 'used' | 'use_cancelled' | 'deleted';

export interface UserCouponsStorageHistoryTable {
  id: Generated<number>;
  user_coupon_id: number;
  product_id: string | null;
  used_date: Timestamp | null;
  description: UserCouponEvent;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface Database {
  coupons: CouponsTable;
  coupons_history: CouponsHistoryTable;
  user_coupons_storage: UserCouponsStorageTable;
  user_coupons_storage_history: UserCouponsStorageHistoryTable;
}

export type CouponRow = Selectable<CouponsTable>;
export type NewCouponRow = Insertable<CouponsTable>;
export type CouponUpdate = Updateable<CouponsTable>;
export type CouponHistoryRow = Selectable<CouponsHistoryTable>;
export type UserCouponRow = Selectable<UserCouponsStorageTable>;
export type NewUserCouponRow = Insertable<UserCouponsStorageTable>;
export type UserCouponHistoryRow = Selectable<UserCouponsStorageHistoryTable>;
