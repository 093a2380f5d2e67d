export { isJsonb, mysqlCanonical, pgCanonical } from './canonical.js';
export { type ConstraintProblem, checkConstraints } from './constraints.js';
export { type TableKeys, type VerifyKeysOptions, verifyKeys } from './keys-verify.js';
export {
  formatVerifyReport,
  type RowMismatch,
  type TableVerifyResult,
  tableOk,
  type VerifyMode,
  type VerifyReport,
  verifyExitCode,
} from './report.js';
export { buildTableSql, type TableSql } from './table-sql.js';
export { type Bound, type Chunk, type HashIn, rangeChunks, where as chunkWhere } from './table-verify.js';
export { type VerifyOptions, verifyMigration } from './verify.js';
