import { DomainError, validationError, type FieldError } from './errors';

// the one place these are spelled; the database types, job payloads and API schemas use them
export const COUPON_TYPES = ['limited', 'unlimited'] as const;
export type CouponType = (typeof COUPON_TYPES)[number];
export const DISCOUNT_TYPES = ['percent', 'amount'] as const;
export type DiscountType = (typeof DISCOUNT_TYPES)[number];

// Every integer column is PostgreSQL int4; larger values must be a 4xx, never a database error.
export const INT4_MAX = 2147483647;

const NAME_MAX = 100;
const PERCENT_MAX = 100;

export interface CouponDraft {
  name: string;
  type: CouponType;
  count: number;
  startDate: Date;
  endDate: Date;
  expireMinute: number;
  discountType: DiscountType;
  discountAmount: number;
}

export type CouponPatch = Partial<CouponDraft>;

const isInt = (n: unknown): n is number => Number.isSafeInteger(n);
const isValidDate = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime());

function countProblem(type: unknown, count: unknown): string | null {
  if (!isInt(count)) return 'must be an integer';
  if (type === 'limited' && (count < 1 || count > INT4_MAX)) {
    return `must be between 1 and ${INT4_MAX} for a limited coupon`;
  }
  if (type === 'unlimited' && count !== 0) return 'must be 0 for an unlimited coupon';
  return null;
}

function discountProblem(discountType: unknown, amount: unknown): string | null {
  if (!isInt(amount)) return 'must be an integer';
  if (discountType === 'percent' && (amount < 1 || amount > PERCENT_MAX)) {
    return `must be between 1 and ${PERCENT_MAX} for a percent discount`;
  }
  if (discountType === 'amount' && (amount < 1 || amount > INT4_MAX)) {
    return `must be between 1 and ${INT4_MAX} for an amount discount`;
  }
  return null;
}

/**
 * The seed's create rules, checked all at once so one 400 lists every problem:
 * name 1–100 characters (not blank); limited needs count ≥ 1, unlimited count = 0;
 * startDate < endDate; expireMinute ≥ 1; percent discount 1–100, amount discount > 0;
 * every integer fits int4. Throws `validation_failed` with `extra.errors`.
 */
export function validateCouponDraft(draft: CouponDraft): void {
  const errors: FieldError[] = [];
  const add = (path: string, message: string | null) => {
    if (message !== null) errors.push({ path, message });
  };

  const name: unknown = draft.name;
  if (typeof name !== 'string' || name.trim() === '') add('name', 'must not be blank');
  else if ([...name].length > NAME_MAX) add('name', `must be at most ${NAME_MAX} characters`);

  const typeOk = draft.type === 'limited' || draft.type === 'unlimited';
  if (!typeOk) add('type', "must be 'limited' or 'unlimited'");
  add('count', countProblem(draft.type, draft.count));

  const startOk = isValidDate(draft.startDate);
  const endOk = isValidDate(draft.endDate);
  if (!startOk) add('startDate', 'must be a valid date');
  if (!endOk) add('endDate', 'must be a valid date');
  if (startOk && endOk && draft.startDate.getTime() >= draft.endDate.getTime()) {
    add('endDate', 'must be after startDate');
  }

  if (!isInt(draft.expireMinute) || draft.expireMinute < 1 || draft.expireMinute > INT4_MAX) {
    add('expireMinute', `must be an integer between 1 and ${INT4_MAX}`);
  }

  const discountOk = draft.discountType === 'percent' || draft.discountType === 'amount';
  if (!discountOk) add('discountType', "must be 'percent' or 'amount'");
  add('discountAmount', discountProblem(draft.discountType, draft.discountAmount));

  if (errors.length > 0) throw validationError(errors);
}

/**
 * An admin update. The type never changes (`coupon_type_immutable`); `count` is *added*
 * to the stock, as in the seed (100, then +100 → 200), so stock never shrinks and
 * unlimited coupons accept only 0 (`invalid_count`); other fields replace. The result
 * must still pass the create rules. Returns a new draft; the inputs are left untouched.
 */
export function applyCouponPatch(current: CouponDraft, patch: CouponPatch): CouponDraft {
  if (patch.type !== undefined && patch.type !== current.type) {
    throw new DomainError(
      'coupon_type_immutable',
      `a coupon's type cannot change (it is '${current.type}')`,
    );
  }

  let count = current.count;
  if (patch.count !== undefined) {
    const added = patch.count;
    if (current.type === 'unlimited' && added !== 0) {
      throw new DomainError('invalid_count', 'an unlimited coupon has no stock; count must be 0');
    }
    if (!isInt(added) || added < 0) {
      throw new DomainError('invalid_count', 'count adds stock and must be an integer >= 0');
    }
    if (current.count + added > INT4_MAX) {
      throw new DomainError('invalid_count', `the resulting stock would exceed ${INT4_MAX}`);
    }
    count = current.count + added;
  }

  const next: CouponDraft = {
    name: patch.name ?? current.name,
    type: current.type,
    count,
    startDate: new Date((patch.startDate ?? current.startDate).getTime()),
    endDate: new Date((patch.endDate ?? current.endDate).getTime()),
    expireMinute: patch.expireMinute ?? current.expireMinute,
    discountType: patch.discountType ?? current.discountType,
    discountAmount: patch.discountAmount ?? current.discountAmount,
  };
  validateCouponDraft(next);
  return next;
}

const COUPON_FIELDS = [
  'name', 'type', 'count', 'startDate', 'endDate', 'expireMinute', 'discountType', 'discountAmount',
] as const satisfies readonly (keyof CouponDraft)[];

/**
 * Whether `next` (from applyCouponPatch) differs from `current` in any field. A PATCH that
 * changes nothing (`{}`, values equal to the current ones, `count: 0`) is answered without
 * a write: no history row, no version bump (the ETag stays), no Redis mirror update.
 * Dates compare by instant, so the same moment written in another zone is no change.
 */
export function changesCoupon(current: CouponDraft, next: CouponDraft): boolean {
  return COUPON_FIELDS.some((field) => {
    const [a, b] = [current[field], next[field]];
    return a instanceof Date && b instanceof Date ? a.getTime() !== b.getTime() : a !== b;
  });
}

/** A user coupon lasts `expireMinute` after it is given, but never past the coupon's end. */
export function computeExpireDate(giveDate: Date, expireMinute: number, endDate: Date): Date {
  const lapse = giveDate.getTime() + expireMinute * 60_000;
  return new Date(Math.min(lapse, endDate.getTime()));
}

/**
 * The issuance window, half-open: issuable while startDate ≤ now < endDate. A deleted
 * coupon is reported as absent (`coupon_not_found`), since it stops issuing at once.
 */
export function checkIssuable(
  coupon: { startDate: Date; endDate: Date; deletedAt: Date | null },
  now: Date,
): void {
  if (coupon.deletedAt !== null) {
    throw new DomainError('coupon_not_found', 'the coupon does not exist');
  }
  if (now.getTime() < coupon.startDate.getTime()) {
    throw new DomainError('issuance_not_started', 'issuance of this coupon has not started yet');
  }
  if (now.getTime() >= coupon.endDate.getTime()) {
    throw new DomainError('issuance_ended', 'issuance of this coupon has ended');
  }
}
