import type { ProfileInput } from '@conv/core';

export { ExitCode, type Profile, type ProfileInput, type Transform } from '@conv/core';
export { type CliOptions, runCli, runMain } from './cli.js';
export {
  type AppDefaults,
  type Config,
  type ConfigFlags,
  ConfigSchema,
  describeConfig,
  type Env,
  loadConfig,
} from './config.js';
export { type DemoApp, type DemoOptions, type DemoResult, findSharedDir, runDemo } from './demo.js';
export type { CheckReport, ImportResult, RunStatus, VerifyReport } from './deps.js';
export { formatError, toConvError } from './errors.js';
export { type MigrationEvent, type MigrationOptions, runMigration } from './migration.js';
export type { CliIo, CliStream } from './output.js';
export { createProgress, type ProgressOptions } from './progress-display.js';
export {
  type ConvResult,
  ConvResultSchema,
  RESULT_SCHEMA_VERSION,
  resultJsonSchema,
  SkippedReportSchema,
} from './result-schema.js';
export type { RunResult } from './runbook.js';
export type { SkippedReport } from './steps.js';

/** A CLI profile: the app name, its default database, and its migration profile (data only). */
export interface AppProfile {
  name: string;
  database?: string;
  profile: ProfileInput;
}
