import type { Transaction } from 'kysely';
import type { Database, UserCouponRow } from '@coupon/db';
import { DomainError, checkUserCouponAction, historyDescriptionOf, type UserCouponAction } from '@coupon/domain';
import type { ApiContext } from '../context';
import { couponResponses } from '../coupons/coupon.service';
import {
  appendUserCouponHistory, findCouponsByIds, findUserCouponWithClock, markUnused, markUsed, softDeleteUserCoupon, userCouponPageQuery,
  type UserCouponKey,
} from './user-coupon.repository';
import type { ListUserCouponsQuery, UserCouponResponse } from './user-coupon.schemas';
import { toUserCouponResponses } from './user-coupon.view';

/**
 * One page, newest first, and the page's coupons in a second query (never one per row),
 * their live counts in one Redis round trip. One row beyond the limit tells whether another
 * page follows.
 */
export async function listUserCoupons(ctx: ApiContext, userId: string, query: ListUserCouponsQuery) {
  const rows = await userCouponPageQuery(ctx.db, userId, query.cursor, query.limit + 1).execute();
  const page = rows.slice(0, query.limit);
  const more = rows.length > query.limit;
  return { items: await withCoupons(ctx, page), nextCursor: more ? page[page.length - 1]!.id : null };
}

async function withCoupons(ctx: ApiContext, rows: UserCouponRow[]): Promise<UserCouponResponse[]> {
  const coupons = await findCouponsByIds(ctx.db, [...new Set(rows.map((r) => r.coupon_id))]);
  return toUserCouponResponses(rows, await couponResponses(ctx, coupons));
}

// The error a state reports when the domain finds nothing wrong with the latest row,
// i.e. it changed between our update and our read twice in a row.
function conflictOf(action: UserCouponAction): DomainError {
  switch (action.kind) {
    case 'use':
      return new DomainError('already_used', 'the user coupon has already been used');
    case 'cancel-use':
      return new DomainError('not_used', 'the user coupon has not been used');
    case 'delete':
      return new DomainError('user_coupon_not_found', 'the user has no such coupon');
  }
}

/**
 * Applies use, cancel-use or delete with one conditional UPDATE and its history row in a
 * transaction. When the UPDATE matches nothing the row is read again and the domain names
 * the rule it breaks; if it breaks none, the row moved under us and the action runs again.
 */
export async function applyUserCouponAction(
  ctx: ApiContext,
  userId: string,
  userCouponId: number,
  action: UserCouponAction,
): Promise<UserCouponResponse> {
  const key: UserCouponKey = { id: userCouponId, userId, couponId: action.couponId };
  for (let attempt = 1; attempt <= 2; attempt++) {
    const row = await ctx.db.transaction().execute(async (trx) => {
      const changed = await change(trx, key, action);
      if (changed) {
        await appendUserCouponHistory(trx, changed, historyDescriptionOf(action));
        return changed;
      }
      const current = await findUserCouponWithClock(trx, userCouponId);
      checkUserCouponAction(current && toState(current), userId, action, current?.db_now ?? new Date());
      return undefined;
    });
    if (row) return (await withCoupons(ctx, [row]))[0]!;
  }
  throw conflictOf(action);
}

function change(trx: Transaction<Database>, key: UserCouponKey, action: UserCouponAction) {
  switch (action.kind) {
    case 'use':
      return markUsed(trx, key, action.productId);
    case 'cancel-use':
      return markUnused(trx, key);
    case 'delete':
      return softDeleteUserCoupon(trx, key);
  }
}

function toState(row: UserCouponRow) {
  return {
    userId: row.user_id,
    couponId: row.coupon_id,
    usedDate: row.used_date,
    expireDate: row.expire_date,
    deletedAt: row.deleted_at,
  };
}
