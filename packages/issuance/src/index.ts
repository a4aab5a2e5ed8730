export { couponKeys, restoreLockKey, CATALOG_VERSION_KEY, type CouponKeys } from './keys';
export { newIssuanceId, couponIdOfIssuance } from './issuance-id';
export { defineIssuanceCommands } from './commands';
export { couponMetaFields, SEQUENCE_GAP_AFTER_LOSS } from './coupon-state';
export { IssuanceStore, type Reservation, type RefusalReason } from './store';
export type { CouponSnapshot, PersistedHolder, PersistedSource } from './source';
export type { IssuanceRecord, IssuanceStatus, FailureReason, Verdict, Settlement } from './record';
export * from './jobs';
export * from './queue';
