// The functional core: rules, state transitions and error codes, with no I/O.
export * from './errors';
export * from './coupon';
export * from './time';
export * from './user-coupon';
