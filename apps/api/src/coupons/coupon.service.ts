import { toCouponSnapshot, type CouponRow } from '@coupon/db';
import {
  DomainError, applyCouponPatch, changesCoupon, isInTimestampRange, parseTimestamp, validateCouponDraft, validationError,
  type CouponDraft, type CouponPatch,
} from '@coupon/domain';
import type { ApiContext } from '../context';
import { checkIfMatch, type IfMatch } from '../http/conditional';
import {
  appendCouponHistory, couponEverExisted, findLiveCoupon, insertCoupon, listCouponHistory, lockCoupon, softDeleteCoupon,
  updateCoupon,
} from './coupon.repository';
import type { CouponHistoryEntry, CouponResponse, CreateCouponBody, UpdateCouponBody } from './coupon.schemas';
import { toCouponResponse, toCouponHistoryResponse } from './coupon.view';

/**
 * A coupon as the API shows it, with its live accepted count from Redis (which knows pending
 * issuances too); PostgreSQL's persisted count stands in when Redis holds no state.
 */
export async function couponResponses(ctx: ApiContext, rows: CouponRow[]): Promise<CouponResponse[]> {
  const counts = await ctx.issuance.acceptedCounts(rows.map((r) => r.id)).catch(() => new Map<number, null>());
  return rows.map((row) => toCouponResponse(row, counts.get(row.id) ?? row.issued_count));
}

export async function couponResponse(ctx: ApiContext, row: CouponRow): Promise<CouponResponse> {
  return (await couponResponses(ctx, [row]))[0]!;
}

export async function getCoupon(ctx: ApiContext, id: number): Promise<CouponRow> {
  const row = await findLiveCoupon(ctx.db, id);
  if (!row) throw new DomainError('coupon_not_found', `coupon ${id} does not exist`);
  return row;
}

// A deleted coupon's history stays readable: the 'deleted' entry is the point of it.
export async function getCouponHistory(ctx: ApiContext, id: number): Promise<CouponHistoryEntry[]> {
  if (!(await couponEverExisted(ctx.db, id))) throw new DomainError('coupon_not_found', `coupon ${id} does not exist`);
  return (await listCouponHistory(ctx.db, id)).map(toCouponHistoryResponse);
}

export async function createCoupon(ctx: ApiContext, body: CreateCouponBody): Promise<CouponRow> {
  const draft: CouponDraft = { ...body, count: body.count ?? 0, ...toDates(ctx, body) } as CouponDraft;
  validateCouponDraft(draft);
  const row = await ctx.db.transaction().execute(async (trx) => {
    const coupon = await insertCoupon(trx, toColumns(draft));
    await appendCouponHistory(trx, coupon, 'created');
    return coupon;
  });
  await mirror(ctx, row, true);
  return row;
}

/**
 * Applies a PATCH under the row lock. If-Match is compared after the lock, in the same
 * transaction as the write, so two admins holding one ETag cannot both win. A patch that
 * changes nothing writes nothing: no history row, no version bump, no mirror update.
 */
export async function updateCouponById(
  ctx: ApiContext, id: number, body: UpdateCouponBody, ifMatch?: IfMatch,
): Promise<CouponRow> {
  const patch: CouponPatch = { ...body, ...toDates(ctx, body) } as CouponPatch;
  const { row, changed } = await ctx.db.transaction().execute(async (trx) => {
    const current = await lockCoupon(trx, id);
    if (!current) throw new DomainError('coupon_not_found', `coupon ${id} does not exist`);
    checkIfMatch(ifMatch, current.version, `coupon ${id}`);
    const draft = toDraft(current);
    const next = applyCouponPatch(draft, patch);
    if (!changesCoupon(draft, next)) return { row: current, changed: false };
    const { type: _type, ...columns } = toColumns(next);
    const coupon = await updateCoupon(trx, id, columns);
    await appendCouponHistory(trx, coupon, 'updated');
    return { row: coupon, changed: true };
  });
  if (changed) await mirror(ctx, row);
  return row;
}

export async function deleteCouponById(ctx: ApiContext, id: number, ifMatch?: IfMatch): Promise<CouponRow> {
  const row = await ctx.db.transaction().execute(async (trx) => {
    const current = await lockCoupon(trx, id);
    if (!current) throw new DomainError('coupon_not_found', `coupon ${id} does not exist`);
    checkIfMatch(ifMatch, current.version, `coupon ${id}`);
    const coupon = await softDeleteCoupon(trx, id);
    if (!coupon) throw new DomainError('coupon_not_found', `coupon ${id} does not exist`);
    await appendCouponHistory(trx, coupon, 'deleted');
    return coupon;
  });
  await mirror(ctx, row);
  return row;
}

// PostgreSQL has committed and is the truth; a Redis hiccup here must not turn a done
// change into an error the admin would retry (count adds!). The reconciler compares
// versions and repairs the mirror. The catalog version tells every API process's coupon
// list to reload before this call answers.
async function mirror(ctx: ApiContext, row: CouponRow, created = false): Promise<void> {
  try {
    await ctx.issuance.mirror(toCouponSnapshot(row), { created });
  } catch (err) {
    ctx.log.error({ err, couponId: row.id }, 'coupon mirror failed; the reconciler will repair it');
  }
  try {
    await ctx.issuance.bumpCatalogVersion();
  } catch (err) {
    ctx.log.error({ err, couponId: row.id }, 'catalog version not bumped; coupon lists may lag until the next change');
  }
}

function toDates(ctx: ApiContext, body: { startDate?: string; endDate?: string }) {
  const dates: { startDate?: Date; endDate?: Date } = {};
  const errors = [];
  for (const field of ['startDate', 'endDate'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    const date = parseTimestamp(value, ctx.config.APP_TIMEZONE);
    if (!date) errors.push({ path: field, message: 'must be a valid ISO 8601 timestamp' });
    else if (!isInTimestampRange(date)) errors.push({ path: field, message: 'must lie in the years 1970-9999 once converted to UTC' });
    else dates[field] = date;
  }
  if (errors.length) throw validationError(errors, 'the body is not valid');
  return dates;
}

function toDraft(row: CouponRow): CouponDraft {
  return {
    name: row.name,
    type: row.type,
    count: row.count,
    startDate: new Date(row.start_date),
    endDate: new Date(row.end_date),
    expireMinute: row.expire_minute,
    discountType: row.discount_type,
    discountAmount: row.discount_amount,
  };
}

function toColumns(draft: CouponDraft) {
  return {
    name: draft.name,
    type: draft.type,
    count: draft.count,
    start_date: draft.startDate,
    end_date: draft.endDate,
    expire_minute: draft.expireMinute,
    discount_type: draft.discountType,
    discount_amount: draft.discountAmount,
  };
}
