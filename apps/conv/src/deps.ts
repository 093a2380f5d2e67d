// The packages the CLI composes, through their public APIs (see each package's README). One place, so
// that the commands read as the runbook and not as import lists.
export {
  type AuditEventInput,
  type AuditLog,
  newRunId,
  openAuditLog,
  type RunStatus,
  readAuditLog,
} from '@conv/audit-log';
export { DEFAULT_SPLIT_MIN_MB, type MigrateResult, migrate } from '@conv/migrate';
export { exportDatabase, selectExpressionFor } from '@conv/mysql-export';
export {
  failedLoadArtifacts,
  type ImportResult,
  importDirectory,
  readManifest,
  refuseOccupiedTarget,
  rolledBack,
} from '@conv/pg-loader';
export {
  type CheckReport,
  checkExitCode,
  checkMigration,
  formatCheckReport,
  formatPlan,
  introspectMysql,
  introspectPg,
  planMigration,
} from '@conv/schema-introspect';
export {
  formatVerifyReport,
  tableOk,
  type VerifyMode,
  type VerifyReport,
  verifyExitCode,
  verifyMigration,
} from '@conv/verify';
