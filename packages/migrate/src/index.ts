export { type MigrateOptions, type MigrateResult, migrate } from './migrate.js';
export { DEFAULT_SPLIT_MIN_MB, planSplit, type SplitDecision, type SplitRule } from './split.js';
