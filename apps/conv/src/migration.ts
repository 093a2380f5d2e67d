// The runbook as a library call: what `conv run` does (log started → plan → check → migrate, or export →
// import with `via: 'export-import'`, verify alongside → log completed, or failed/rolled_back with the
// reason, then the report), for a platform team's
// own TypeScript. The same function runs behind the CLI's `run`; nothing is printed, events go to onEvent.
import { ExitCode, type ProfileInput } from '@conv/core';
import { loadConfig } from './config.js';
import { Output } from './output.js';
import { type RunResult, runbook } from './runbook.js';

export interface MigrationOptions {
  /** The source, once: `mysql://USER:PASSWORD@HOST:3306/DATABASE` (the database is the URL's path). */
  mysqlUrl: string;
  /** The target, once: `postgres://USER:PASSWORD@HOST:5432/DATABASE`. */
  pgUrl: string;
  /** Target schema (default: the profile's, else `public`). */
  pgSchema?: string;
  /** Name in the audit log and the export sub-directory (default `conv`). */
  app?: string;
  profile?: ProfileInput;
  /** Base directory of exports (default `./csv_exports`, relative to `cwd`). */
  exportBaseDir?: string;
  /** The audit log (default `./migration_log.json`, relative to `cwd`). */
  auditLogFile?: string;
  jobs?: number;
  verifyMode?: 'counts' | 'full' | 'sample';
  fkStrategy?: 'auto' | 'replica' | 'drop-recreate' | 'ordered';
  loadMode?: 'single-transaction' | 'per-table';
  /**
   * How the data moves: `migrate` (default) streams MySQL into COPY and keeps the export directory;
   * `export-import` writes the CSV files first, then imports them (the two-machine hand-off).
   */
  via?: 'migrate' | 'export-import';
  /** Continue a run started earlier (it must be in the audit log, for the same app). */
  runId?: string;
  /** Abort: the export stops, the run stops before its next step (logged `failed`). */
  signal?: AbortSignal;
  cwd?: string;
  onEvent?: (event: MigrationEvent) => void;
}

export type MigrationEvent =
  /** A table starts or finishes in a step (`export`, `import`, `verify`, `check`, `validate`, `plan`). */
  | { type: 'table'; step: string; table: string; phase: 'start' | 'finish'; rows?: number; bytes?: number }
  /** What the CLI would print (summaries, reports, status lines), passwords already masked. */
  | { type: 'text'; text: string };

/**
 * Runs the whole migration and resolves with its result (also on failure: `ok: false`, `exitCode`,
 * `error`); rejects only on invalid options (a ConvError with exit code 2).
 */
export async function runMigration(options: MigrationOptions): Promise<RunResult> {
  const emit = options.onEvent ?? (() => {});
  const sink = { write: (text: string) => emit({ type: 'text', text: text.replace(/\n$/, '') }) };
  const out = new Output({ stdout: sink, stderr: sink }, false, true);
  out.onTable = (step, table, phase, rows, bytes) =>
    emit({ type: 'table', step, table, phase, ...(phase === 'finish' ? { rows, bytes } : {}) });
  const name = options.app ?? options.profile?.name ?? 'conv';
  const config = loadConfig({
    flags: {
      mysqlUrl: options.mysqlUrl,
      pgUrl: options.pgUrl,
      ...(options.pgSchema ? { pgSchema: options.pgSchema } : {}),
      ...(options.exportBaseDir ? { outDir: options.exportBaseDir } : {}),
      ...(options.auditLogFile ? { logFile: options.auditLogFile } : {}),
      ...(options.jobs ? { jobs: options.jobs } : {}),
      ...(options.verifyMode ? { verifyMode: options.verifyMode } : {}),
      ...(options.fkStrategy ? { fkStrategy: options.fkStrategy } : {}),
      ...(options.loadMode ? { loadMode: options.loadMode } : {}),
      ...(options.via ? { via: options.via } : {}),
    },
    // Only what the caller passed: no environment, and no `.env` file (an empty one stands in).
    env: { CONV_ENV_FILE: '/dev/null' },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    app: { name, ...(options.profile?.targetSchema ? { schema: options.profile.targetSchema } : {}) },
  });
  out.addSecrets(config.secrets, Output.namesOf(config));
  const result = await runbook({
    config,
    profile: options.profile ?? { name },
    out,
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...result, exitCode: result.exitCode ?? ExitCode.unexpected };
}
