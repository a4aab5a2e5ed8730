export * from './tables';
export { createDb, type DbOptions } from './connection';
export { migrateToLatest } from './migrate';
export { persistedIssuances, toCouponSnapshot } from './repositories/persisted-issuances';
export { migrations } from '../migrations';
