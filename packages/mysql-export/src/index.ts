export { connectMysql, databaseOf, EXACT_READ_OPTIONS, EXACT_SUBQUERY_SESSION } from './connect.js';
export { type ExportOptions, type ExportResult, exportDatabase } from './export.js';
export { exportStamp, fileNameFor } from './files.js';
export { exportQueryFor, SOURCE_ALIAS, selectExpressionFor, selectListFor } from './select.js';
export { openSnapshot, type SnapshotInfo } from './snapshot.js';
export { isSpatialType, mysqlBitInteger, mysqlDouble, mysqlSpatialWkb } from './source-values.js';
export { countRows, exportTableFile, type TableExportResult } from './table-export.js';
