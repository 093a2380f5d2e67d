// The one load-order algorithm lives in @conv/core (the loader applies it to the live catalog too).
export { type LoadOrderResult, loadOrder } from '@conv/core';
export { introspectPg } from '@conv/dialect/postgres';
export {
  type CheckOptions,
  type CheckReport,
  CheckReportSchema,
  checkExitCode,
  checkMigration,
  reportOf,
} from './check/check.js';
export { type FormatOptions, formatCheckReport } from './check/report.js';
export { schemaDiff } from './check/schema-diff.js';
export { SWAPPED_UUID_EXPRESSION } from './check/source-dialect.js';
export type { MysqlSource, PgSource } from './connect.js';
export {
  conversionFor,
  conversionForTarget,
  naturalTargetFor,
  type SourceKind,
  sourceKind,
} from './conversions.js';
export { formatPlan } from './format.js';
export { introspectMysql } from './mysql-catalog.js';
export { planMigration, rowKeyOf } from './plan.js';
export { DEFAULT_CACHE_TABLES, DEFAULT_HISTORY_TABLES, resolveProfile } from './profile.js';
export { matchTables, type TableMatch } from './table-match.js';
