export type { MysqlSource, PgSource } from './connect.js';
export { conversionFor, naturalTargetFor, type SourceKind, sourceKind } from './conversions.js';
export { type LoadOrderResult, loadOrder } from './load-order.js';
export { introspectMysql } from './mysql-catalog.js';
export { introspectPg } from './pg-catalog.js';
export { planMigration, rowKeyOf } from './plan.js';
export { DEFAULT_CACHE_TABLES, DEFAULT_HISTORY_TABLES, resolveProfile } from './profile.js';
