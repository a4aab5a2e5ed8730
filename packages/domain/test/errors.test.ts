import { DomainError, isDomainError, validationError } from '../src';

describe('DomainError', () => {
  it('carries its code, detail and extra members', () => {
    const e = new DomainError('already_issued', 'issued before', { issuanceId: 'abc' });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('DomainError');
    expect(e.code).toBe('already_issued');
    expect(e.detail).toBe('issued before');
    expect(e.extra).toEqual({ issuanceId: 'abc' });
    expect(e.message).toContain('already_issued');
  });

  it('defaults extra to an empty object', () => {
    expect(new DomainError('sold_out', 'none left').extra).toEqual({});
  });
});

describe('validationError', () => {
  const errors = [
    { path: 'count', message: 'must be an integer' },
    { path: 'endDate', message: 'must be after startDate' },
  ];

  it('is validation_failed with every field error in extra.errors', () => {
    const e = validationError(errors);
    expect(e.code).toBe('validation_failed');
    expect(e.extra).toEqual({ errors });
    expect(e.detail).toContain('count');
    expect(e.detail).toContain('endDate');
  });

  it('uses the given detail when there is one', () => {
    expect(validationError(errors, 'body is not valid').detail).toBe('body is not valid');
  });

  it('still has a detail with no field errors', () => {
    expect(validationError([]).detail).not.toBe('');
  });
});

describe('isDomainError', () => {
  it('accepts DomainErrors only', () => {
    expect(isDomainError(new DomainError('not_found', 'x'))).toBe(true);
    expect(isDomainError(validationError([]))).toBe(true);
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'not_found', detail: 'x' })).toBe(false);
    expect(isDomainError(undefined)).toBe(false);
  });
});
