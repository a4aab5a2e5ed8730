import { DomainError } from '@coupon/domain';
import {
  couponIdOfIssuance, couponKeys, enqueuePersist, newIssuanceId, queuePosition, readIssuanceRecord,
  restoreCouponState, type ReserveReply,
} from '@coupon/issuance';
import type { ApiContext } from '../context';
import type { IssuanceOutcome } from '../ops/metrics';
import type { IssuanceResponse } from './issuance.schemas';
import { fromRecord, fromRow } from './issuance.view';

const iso = (ms: number) => new Date(ms).toISOString();

// reply code of the reservation script -> metric label
const OUTCOMES: Record<number, IssuanceOutcome> = {
  0: 'not_found', 1: 'accepted', 2: 'already_issued', 3: 'sold_out', 4: 'not_started', 5: 'ended', 6: 'not_found',
};

async function crashNow(): Promise<never> {
  process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => {});
}

/**
 * The hot path: one Lua call reserves (or refuses), one BullMQ add enqueues the write.
 * PostgreSQL is touched only when Redis has no state for the coupon.
 */
export async function requestIssuance(
  ctx: ApiContext,
  couponId: number,
  userId: string,
  requestId?: string,
): Promise<IssuanceResponse> {
  let reply = await reserve(ctx, couponId, userId);
  if (reply[0] === 0) {
    if (!(await restoreCouponState(ctx.redis, ctx.db, couponId))) throw couponNotFound(couponId);
    reply = await reserve(ctx, couponId, userId);
  }
  ctx.metrics.issuanceOutcomes.inc({ outcome: OUTCOMES[reply[0]] ?? 'not_found' });
  switch (reply[0]) {
    case 1: {
      const [, issuanceId, sequence, requestedAt, expireAt, discountType, discountAmount, position] = reply;
      if (ctx.config.FAULT_CRASH_AT === 'after-reserve') await crashNow();
      try {
        await enqueuePersist(ctx.issuanceQueue, {
          issuanceId, couponId, userId, sequence, requestedAt, expireAt, requestId,
          discountType: discountType as 'percent' | 'amount',
          discountAmount: Number(discountAmount),
        });
      } catch (err) {
        // The reservation stands and the reconciler will enqueue it; the client learns the
        // outcome by polling its issuance (found again by coupon and user).
        ctx.log.error({ err, issuanceId }, 'enqueue failed after reservation');
        throw new DomainError('service_unavailable', 'the issuance queue is unavailable; poll the issuance or retry', { issuanceId });
      }
      return {
        issuanceId, couponId, userId, status: 'pending', sequence, userCouponId: null,
        requestedAt: iso(requestedAt), issuedAt: null, failureReason: null, queuePosition: position,
      };
    }
    case 2:
      throw new DomainError('already_issued', `user ${userId} already holds coupon ${couponId}`, { issuanceId: reply[1] });
    case 3:
      throw new DomainError('sold_out', `coupon ${couponId} is sold out`);
    case 4:
      throw new DomainError('issuance_not_started', `coupon ${couponId} cannot be issued yet`);
    case 5:
      throw new DomainError('issuance_ended', `coupon ${couponId} can no longer be issued`);
    case 6:
      throw couponNotFound(couponId);
    default:
      throw new DomainError('service_unavailable', `coupon ${couponId} state is being rebuilt; retry`);
  }
}

function reserve(ctx: ApiContext, couponId: number, userId: string): Promise<ReserveReply> {
  const keys = couponKeys(couponId);
  const candidate = newIssuanceId(couponId);
  return ctx.redis.reserve(keys.meta, keys.seq, keys.users, keys.pending, keys.issuance(candidate), userId, candidate, couponId);
}

export async function findIssuance(ctx: ApiContext, issuanceId: string): Promise<IssuanceResponse> {
  const couponId = couponIdOfIssuance(issuanceId);
  if (couponId !== null) {
    const found = await fromRedis(ctx, couponId, issuanceId);
    if (found) return found;
    const row = await ctx.db.selectFrom('user_coupons_storage').selectAll().where('issuance_id', '=', issuanceId).executeTakeFirst();
    if (row) return fromRow(row);
  }
  throw new DomainError('issuance_not_found', `issuance ${issuanceId} does not exist`);
}

export async function findIssuanceOfUser(ctx: ApiContext, couponId: number, userId: string): Promise<IssuanceResponse> {
  const issuanceId = await ctx.redis.hget(couponKeys(couponId).users, userId);
  const found = issuanceId ? await fromRedis(ctx, couponId, issuanceId) : null;
  if (found) return found;
  const row = await ctx.db
    .selectFrom('user_coupons_storage')
    .selectAll()
    .where('coupon_id', '=', couponId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (row) return fromRow(row);
  throw new DomainError('issuance_not_found', `user ${userId} has no issuance of coupon ${couponId}`);
}

async function fromRedis(ctx: ApiContext, couponId: number, issuanceId: string): Promise<IssuanceResponse | null> {
  const record = await readIssuanceRecord(ctx.redis, couponId, issuanceId);
  if (!record) return null;
  const position = record.status === 'pending' ? await queuePosition(ctx.redis, couponId, issuanceId) : null;
  return fromRecord(record, position);
}

const couponNotFound = (couponId: number) => new DomainError('coupon_not_found', `coupon ${couponId} does not exist`);
