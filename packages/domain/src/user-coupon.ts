import { DomainError } from './errors';

/** The part of a stored user coupon that decides which actions are allowed. */
export interface UserCouponState {
  userId: string;
  couponId: number;
  usedDate: Date | null;
  expireDate: Date;
  deletedAt: Date | null;
}

export type UserCouponAction =
  | { kind: 'use'; couponId: number; productId: string }
  | { kind: 'cancel-use'; couponId: number }
  | { kind: 'delete'; couponId: number };

export type UserCouponHistoryDescription = 'used' | 'use_cancelled' | 'deleted';

/**
 * The user-coupon state machine: issued → used → issued again on cancel; any → deleted.
 * Rules run in the seed's order and the first failure is thrown:
 * absent, deleted or another user's → `user_coupon_not_found` (never reveal that another
 * user's coupon exists); wrong coupon id → `coupon_mismatch`; expired (expireDate ≤ now)
 * → `user_coupon_expired` for use and cancel-use only, since deleting an expired coupon
 * is housekeeping; then use of a used coupon → `already_used`, cancel of an unused one →
 * `not_used`.
 */
export function checkUserCouponAction(
  uc: UserCouponState | undefined,
  userId: string,
  action: UserCouponAction,
  now: Date,
): void {
  if (uc === undefined || uc.deletedAt !== null || uc.userId !== userId) {
    throw new DomainError('user_coupon_not_found', 'the user has no such coupon');
  }
  if (action.couponId !== uc.couponId) {
    throw new DomainError(
      'coupon_mismatch',
      `the user coupon belongs to coupon ${uc.couponId}, not ${action.couponId}`,
    );
  }
  if (action.kind === 'delete') return;
  if (uc.expireDate.getTime() <= now.getTime()) {
    throw new DomainError('user_coupon_expired', 'the user coupon has expired');
  }
  if (action.kind === 'use' && uc.usedDate !== null) {
    throw new DomainError('already_used', 'the user coupon has already been used');
  }
  if (action.kind === 'cancel-use' && uc.usedDate === null) {
    throw new DomainError('not_used', 'the user coupon has not been used');
  }
}

/** The `user_coupons_storage_history.description` each action appends. */
export function historyDescriptionOf(action: UserCouponAction): UserCouponHistoryDescription {
  switch (action.kind) {
    case 'use':
      return 'used';
    case 'cancel-use':
      return 'use_cancelled';
    case 'delete':
      return 'deleted';
  }
}
