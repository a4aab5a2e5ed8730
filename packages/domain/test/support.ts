import { isDomainError, type CouponDraft, type DomainError } from '../src';

/** Runs `fn` and returns the DomainError it throws; anything else fails the test. */
export function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (isDomainError(e)) return e;
    throw e;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

/** The field paths of a validation_failed error, in report order. */
export function failedPaths(fn: () => unknown): string[] {
  const error = thrown(fn);
  expect(error.code).toBe('validation_failed');
  return (error.extra.errors as { path: string }[]).map((e) => e.path);
}

export const at = (iso: string): Date => new Date(iso);

/** A valid limited coupon draft (the seed's example), with overrides. */
export function aDraft(overrides: Partial<CouponDraft> = {}): CouponDraft {
  return {
    name: 'Spring sale',
    type: 'limited',
    count: 100,
    startDate: at('2023-04-23T06:00:00.000Z'),
    endDate: at('2023-05-30T06:00:00.000Z'),
    expireMinute: 7200,
    discountType: 'percent',
    discountAmount: 50,
    ...overrides,
  };
}

/** Deterministic pseudo-random integers (mulberry32), so generated cases are reproducible. */
export function randomInts(seed: number): (min: number, max: number) => number {
  let a = seed >>> 0;
  return (min, max) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return min + Math.floor(r * (max - min + 1));
  };
}
