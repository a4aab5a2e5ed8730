import { DomainError } from '@coupon/domain';
import { couponIdOfIssuance, type Reservation } from '@coupon/issuance';
import { crashAt } from '@coupon/runtime';
import type { ApiContext } from '../context';
import type { IssuanceOutcome } from '../ops/metrics';
import { ReplicasBehindError } from './issuance-groups';
import { findRowByIssuanceId, findRowOfUser } from './issuance.repository';
import type { IssuanceResponse } from './issuance.schemas';
import { toIssuanceResponse, toIssuanceResponseOfRow, toPendingIssuanceResponse } from './issuance.view';

/**
 * The hot path: one Lua call reserves (or refuses), then the reservation joins this
 * process's group, which goes into the queue as one job. PostgreSQL is touched only when
 * Redis has no state for the coupon.
 */
export async function requestIssuance(
  ctx: ApiContext,
  couponId: number,
  userId: string,
  requestId?: string,
): Promise<IssuanceResponse> {
  let reservation = await ctx.issuance.reserve(couponId, userId);
  if (reservation.kind === 'missing') {
    if (!(await ctx.issuance.restore(couponId))) reservation = { kind: 'refused', reason: 'deleted' };
    else reservation = await ctx.issuance.reserve(couponId, userId);
  }
  ctx.metrics.issuanceOutcomes.inc({ outcome: outcomeOf(reservation) });
  if (reservation.kind !== 'accepted') throw refusal(reservation, couponId, userId);

  const { item, queuePosition } = reservation;
  await crashAt('after-reserve', ctx.config.FAULT_CRASH_AT);
  try {
    await ctx.groups.add([{ ...item, requestId }]);
  } catch (err) {
    // The reservation stands and the reconciler will enqueue it; the client learns the
    // outcome by polling its issuance (found again by coupon and user).
    const behind = err instanceof ReplicasBehindError;
    ctx.log.error({ err, issuanceId: item.issuanceId }, behind ? 'replicas did not acknowledge a group' : 'enqueue failed after reservation');
    const detail = behind
      ? 'too few Redis replicas acknowledged the reservation in time; it stands: poll the issuance'
      : 'the issuance queue is unavailable; the reservation stands: poll the issuance or retry';
    throw new DomainError('service_unavailable', detail, { issuanceId: item.issuanceId });
  }
  return toPendingIssuanceResponse(item, queuePosition);
}

function outcomeOf(reservation: Reservation): IssuanceOutcome {
  switch (reservation.kind) {
    case 'accepted':
    case 'already_issued':
      return reservation.kind;
    case 'refused':
      return reservation.reason === 'deleted' ? 'not_found' : reservation.reason;
    default:
      return 'not_found';
  }
}

function refusal(reservation: Exclude<Reservation, { kind: 'accepted' }>, couponId: number, userId: string): DomainError {
  if (reservation.kind === 'already_issued') {
    return new DomainError('already_issued', `user ${userId} already holds coupon ${couponId}`, { issuanceId: reservation.issuanceId });
  }
  if (reservation.kind === 'missing') return new DomainError('service_unavailable', `coupon ${couponId} state is being rebuilt; retry`);
  switch (reservation.reason) {
    case 'sold_out':
      return new DomainError('sold_out', `coupon ${couponId} is sold out`);
    case 'not_started':
      return new DomainError('issuance_not_started', `coupon ${couponId} cannot be issued yet`);
    case 'ended':
      return new DomainError('issuance_ended', `coupon ${couponId} can no longer be issued`);
    case 'deleted':
      return new DomainError('coupon_not_found', `coupon ${couponId} does not exist`);
  }
}

export async function findIssuance(ctx: ApiContext, issuanceId: string): Promise<IssuanceResponse> {
  const couponId = couponIdOfIssuance(issuanceId);
  if (couponId !== null) {
    const record = await ctx.issuance.read(couponId, issuanceId);
    if (record) return toIssuanceResponse(record);
    const row = await findRowByIssuanceId(ctx.db, issuanceId);
    if (row) return toIssuanceResponseOfRow(row);
  }
  throw new DomainError('issuance_not_found', `issuance ${issuanceId} does not exist`);
}

export async function findIssuanceOfUser(ctx: ApiContext, couponId: number, userId: string): Promise<IssuanceResponse> {
  const issuanceId = await ctx.issuance.holderOf(couponId, userId);
  const record = issuanceId ? await ctx.issuance.read(couponId, issuanceId) : null;
  if (record) return toIssuanceResponse(record);
  const row = await findRowOfUser(ctx.db, couponId, userId);
  if (row) return toIssuanceResponseOfRow(row);
  throw new DomainError('issuance_not_found', `user ${userId} has no issuance of coupon ${couponId}`);
}

/**
 * Long poll: a pending issuance is answered when it settles or after `ms`, whichever comes
 * first. The waiter is registered (and subscribed) before the second read, so a settlement
 * between the two reads is never missed. A client that goes away calls `onGone`'s callback.
 */
export async function awaitSettlement(
  ctx: ApiContext,
  issuance: IssuanceResponse,
  ms: number,
  onGone: (cancel: () => void) => void,
): Promise<IssuanceResponse> {
  const waiter = await ctx.waiters.register(issuance.couponId, issuance.issuanceId, ms).catch((err: unknown) => {
    ctx.log.warn({ err, issuanceId: issuance.issuanceId }, 'long poll not possible; answering at once');
    return null;
  });
  if (!waiter) return findIssuance(ctx, issuance.issuanceId);
  onGone(waiter.cancel);
  const now = await findIssuance(ctx, issuance.issuanceId);
  if (now.status !== 'pending') {
    waiter.cancel();
    return now;
  }
  await waiter.settledOrGone;
  return findIssuance(ctx, issuance.issuanceId);
}
