export { couponKeys, restoreLockKey, type CouponKeys } from './keys';
export { newIssuanceId, couponIdOfIssuance } from './issuance-id';
export { defineIssuanceCommands, type ReserveReply } from './commands';
export { couponMetaFields, syncCouponState, restoreCouponState, repairCouponHolders, readIssuedCounts } from './coupon-state';
export * from './jobs';
export * from './queue';
export { readIssuanceRecord, queuePosition, type IssuanceRecord, type IssuanceStatus } from './issuance-record';
