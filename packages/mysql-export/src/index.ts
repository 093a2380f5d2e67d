export {
  buildManifest,
  createOwnDirectory,
  type ExportOptions,
  type ExportResult,
  exportDatabase,
  type ManifestInput,
  prepareDirectory,
  removeFiles,
} from './export.js';
export { discardPartial, exportStamp, fileNameFor, writeError, writeFileAtomic } from './files.js';
export { columnCharsets } from './large-values.js';
export {
  type CsvTarget,
  type RowStreamOptions,
  type RowStreamResult,
  readError,
  streamTableCsv,
} from './row-stream.js';
export { exportQueryFor, SOURCE_ALIAS, selectExpressionFor, selectListFor } from './select.js';
export { openSnapshot, type SnapshotInfo } from './snapshot.js';
export { FREEZE_STATEMENTS, type FreezeMethod, freezeCommits, freezeMethodFor } from './snapshot-lock.js';
export { openSourceSnapshot, type SourceSnapshot } from './source.js';
export { isSpatialType, mysqlBitInteger, mysqlDouble, mysqlSpatialWkb } from './source-values.js';
export { countRows, exportTableFile, type TableExportResult } from './table-export.js';
