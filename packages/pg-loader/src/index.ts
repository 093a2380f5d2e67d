export type { FkStrategy, FkStrategyOption } from './foreign-keys.js';
export { type ImportMode, type ImportOptions, type ImportResult, importDirectory } from './import.js';
export { buildLoadPlan, type LoadPlan, type LoadTable, type SkippedLoad } from './load-plan.js';
export { parseCsvRecord, readCsvHeader, scanCsvFile, sha256OfFile } from './scan.js';
export { pgLiteral } from './sql.js';
export { type ImportState, STATE_FILE } from './state.js';
export { type ContentCheck, readManifest, validateExportDirectory } from './validate.js';
