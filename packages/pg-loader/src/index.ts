export { type CopyOutcome, copyError } from './copy.js';
export { type FkStrategy, type FkStrategyOption, type OrderResult, plannedOrder } from './foreign-keys.js';
export {
  failedLoadArtifacts,
  type ImportMode,
  type ImportOptions,
  type ImportResult,
  importDirectory,
  type LoadOptions,
  loadManifest,
  rolledBack,
  type TableCopier,
} from './import.js';
export { cutConnection, type ImportTimeouts, stalledError, stallWatch } from './liveness.js';
export {
  buildLoadPlan,
  type LoadPart,
  type LoadPlan,
  type LoadTable,
  type SkippedLoad,
} from './load-plan.js';
export { type Occupied, refuseOccupiedTarget } from './occupied.js';
export { parseCsvRecord, readCsvHeader, scanCsvFile, sha256OfFile } from './scan.js';
export { resetTableSequences } from './sequences.js';
export { copyFromStdin, pgLiteral } from './sql.js';
export { type ImportState, STATE_FILE } from './state.js';
export { TRIGGER_MODES, type TriggerAction, type TriggerMode } from './triggers.js';
export { type ContentCheck, readManifest, validateExportDirectory } from './validate.js';
