// The packages the CLI composes, reached through their agreed public APIs (see each package's README).
// Each function is looked up at call time so that a package that is missing (or older than the CLI)
// gives a clear "not available" error instead of a crash at start-up.
import * as auditLogPkg from '@conv/audit-log';
import {
  ConvError,
  ExitCode,
  type Finding,
  type Manifest,
  type MigrationPlan,
  type ProfileInput,
  type ProgressReporter,
  type SourceCatalog,
  type TargetCatalog,
} from '@conv/core';
import * as exportPkg from '@conv/mysql-export';
import * as loaderPkg from '@conv/pg-loader';
import * as introspectPkg from '@conv/schema-introspect';
import * as verifyPkg from '@conv/verify';

export interface CheckReport {
  ok: boolean;
  findings: Finding[];
  counts: { errors: number; warnings: number; infos: number };
}

export interface ImportResult {
  strategy: string;
  /** Why this FK strategy (what the role can do). */
  strategyReason?: string;
  loaded: { table: string; rows: number; bytes: number; ms: number }[];
  skipped: { table: string; reason: string }[];
  sequences: { sequence: string; value: number | string }[];
  scriptFile: string;
  logFile: string;
  ms: number;
}

export type VerifyMode = 'counts' | 'full' | 'sample';

export interface VerifyTableResult {
  table: string;
  target: string;
  sourceRows: number;
  targetRows: number;
  countMatch: boolean;
  checksumMatch: boolean | null;
  mismatches: { key: Record<string, string | null>; columns: string[] }[];
  ms: number;
}

export interface VerifyReport {
  ok: boolean;
  mode: VerifyMode;
  tables: VerifyTableResult[];
}

export type RunStatus = 'started' | 'in_progress' | 'completed' | 'rolled_back' | 'failed';

export interface AuditEventInput {
  runId: string;
  status: RunStatus;
  message?: string;
  step?: string;
  tables?: number;
  rows?: number;
  bytes?: number;
  durationMs?: number;
  app?: string;
}

export interface AuditLog {
  append(event: AuditEventInput): Promise<Record<string, unknown>>;
  close?(): Promise<void>;
}

export type FkStrategy = 'auto' | 'replica' | 'drop-recreate' | 'ordered';
export type LoadMode = 'single-transaction' | 'per-table';

interface Api {
  introspectMysql(conn: string, database?: string): Promise<SourceCatalog>;
  introspectPg(client: string, schema?: string): Promise<TargetCatalog>;
  planMigration(source: SourceCatalog, target: TargetCatalog, profile?: ProfileInput): MigrationPlan;
  checkMigration(args: {
    mysql: string;
    plan: MigrationPlan;
    source: SourceCatalog;
    target: TargetCatalog;
    sampleSize?: number;
  }): Promise<CheckReport>;
  formatCheckReport(report: CheckReport, options?: { color?: boolean }): string;
  checkExitCode(report: CheckReport): 0 | 3;
  formatPlan(plan: MigrationPlan, options?: { color?: boolean }): string;
  exportDatabase(args: {
    mysqlUrl: string;
    plan: MigrationPlan;
    outDir: string;
    app: string;
    jobs?: number;
    progress?: ProgressReporter;
    now?: Date;
    dirName?: string;
    signal?: AbortSignal;
  }): Promise<{ dir: string; manifest: Manifest; notes?: string[] }>;
  validateExportDirectory(dir: string): Promise<Manifest>;
  importDirectory(args: {
    pgUrl: string;
    dir: string;
    schema?: string;
    fkStrategy?: FkStrategy;
    mode?: LoadMode;
    includeHistory?: boolean;
    tables?: string[];
    progress?: ProgressReporter;
  }): Promise<ImportResult>;
  verifyMigration(args: {
    mysqlUrl: string;
    pgUrl: string;
    plan: MigrationPlan;
    mode?: VerifyMode;
    samplePercent?: number;
    chunkRows?: number;
    progress?: ProgressReporter;
  }): Promise<VerifyReport>;
  formatVerifyReport(report: VerifyReport, options?: { color?: boolean }): string;
  verifyExitCode(report: VerifyReport): 0 | 4;
  openAuditLog(args: { file: string; pgUrl?: string }): AuditLog;
  readAuditLog(file: string): Promise<{ migration_runs: Record<string, unknown>[] }>;
  newRunId(): string;
}

const PACKAGE_OF: Record<keyof Api, [string, unknown]> = {
  introspectMysql: ['@conv/schema-introspect', introspectPkg],
  introspectPg: ['@conv/schema-introspect', introspectPkg],
  planMigration: ['@conv/schema-introspect', introspectPkg],
  checkMigration: ['@conv/schema-introspect', introspectPkg],
  formatCheckReport: ['@conv/schema-introspect', introspectPkg],
  checkExitCode: ['@conv/schema-introspect', introspectPkg],
  formatPlan: ['@conv/schema-introspect', introspectPkg],
  exportDatabase: ['@conv/mysql-export', exportPkg],
  validateExportDirectory: ['@conv/pg-loader', loaderPkg],
  importDirectory: ['@conv/pg-loader', loaderPkg],
  verifyMigration: ['@conv/verify', verifyPkg],
  formatVerifyReport: ['@conv/verify', verifyPkg],
  verifyExitCode: ['@conv/verify', verifyPkg],
  openAuditLog: ['@conv/audit-log', auditLogPkg],
  readAuditLog: ['@conv/audit-log', auditLogPkg],
  newRunId: ['@conv/audit-log', auditLogPkg],
};

/** Whether a function of the agreed API is present in the installed package. */
export function available(name: keyof Api): boolean {
  const [, mod] = PACKAGE_OF[name];
  return typeof (mod as Record<string, unknown>)[name] === 'function';
}

/** The function `name` of the agreed API, or a ConvError saying which package lacks it. */
export function api<K extends keyof Api>(name: K): Api[K] {
  const [pkg, mod] = PACKAGE_OF[name];
  const fn = (mod as Record<string, unknown>)[name];
  if (typeof fn !== 'function') {
    throw new ConvError(
      `${name}() is not available: the installed ${pkg} does not export it yet`,
      'not-available',
      ExitCode.unexpected,
      {},
      `update ${pkg} (pnpm install && pnpm build) and run the command again`,
    );
  }
  return fn as Api[K];
}
