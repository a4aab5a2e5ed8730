import type { CouponType, DiscountType } from '@coupon/domain';

// What the issuance store needs from PostgreSQL, as plain types: the apps implement these
// reads in their repositories and hand them to the store, so this package knows no database.

/** A coupon's definition as the reservation script needs it. */
export interface CouponSnapshot {
  id: number;
  type: CouponType;
  count: number;
  startDate: Date;
  endDate: Date;
  deletedAt: Date | null;
  expireMinute: number;
  discountType: DiscountType;
  discountAmount: number;
  /** Bumped by every change; orders writes into the Redis mirror. */
  version: number;
}

/** A persisted issuance: its row holds the user's place for good. */
export interface PersistedHolder {
  /** The row id, the cursor of `holders`. */
  id: number;
  userId: string;
  issuanceId: string;
  sequence: number;
}

export interface PersistedSource {
  /** The coupon, deleted or not; undefined when PostgreSQL has no such coupon. */
  coupon(couponId: number): Promise<CouponSnapshot | undefined>;
  /** The coupon's rows with id > afterId, in id order, at most `limit`. */
  holders(couponId: number, afterId: number, limit: number): Promise<PersistedHolder[]>;
}
