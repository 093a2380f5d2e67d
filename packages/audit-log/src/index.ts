export { type AuditLog, type AuditLogOptions, buildEvent, openAuditLog } from './audit-log.js';
export {
  type AuditEvent,
  type AuditEventInput,
  AuditEventSchema,
  isRunStatus,
  RUN_STATUSES,
  type RunStatus,
  RunStatusSchema,
} from './event.js';
export {
  type AuditLogContents,
  type AuditLogFile,
  appendToFile,
  type LockOptions,
  readAuditLog,
} from './file-store.js';
export { MIRROR_TABLE, mirrorToPg } from './pg-mirror.js';
export { newRunId } from './run-id.js';
