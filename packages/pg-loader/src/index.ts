export type { FkStrategy, FkStrategyOption } from './foreign-keys.js';
export { type ImportMode, type ImportOptions, type ImportResult, importDirectory } from './import.js';
export { buildLoadPlan, type LoadPlan, type LoadTable, type SkippedLoad } from './load-plan.js';
export { type Occupied, refuseOccupiedTarget } from './occupied.js';
export { parseCsvRecord, readCsvHeader, sha256OfFile } from './scan.js';
export { pgLiteral } from './sql.js';
export { type ImportState, STATE_FILE } from './state.js';
export { TRIGGER_MODES, type TriggerAction, type TriggerMode } from './triggers.js';
export { type ContentCheck, readManifest, validateExportDirectory } from './validate.js';
