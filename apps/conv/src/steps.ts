// The steps of a migration, shared by the single commands and by `run`. Each returns plain data;
// printing is the caller's business.
import {
  ConvError,
  ExitCode,
  type Manifest,
  type MigrationPlan,
  type ProfileInput,
  type ProgressReporter,
  type SourceCatalog,
  type TargetCatalog,
} from '@conv/core';
import type { Config } from './config.js';
import {
  type CheckReport,
  checkMigration,
  exportDatabase,
  type ImportResult,
  importDirectory,
  introspectMysql,
  introspectPg,
  planMigration,
  readManifest,
  rolledBack,
  selectExpressionFor,
  type VerifyReport,
  verifyMigration,
} from './deps.js';
import type { Output } from './output.js';
import type { TableGate } from './table-gate.js';

export interface StepContext {
  config: Config;
  /** The app's profile, with the command line's planning choices (`--include-history`) applied. */
  profile: ProfileInput;
  out: Output;
  /** The run this command belongs to (`--run-id` / `CONV_RUN_ID`); a new one when absent. */
  runId?: string;
  /** Aborted by SIGINT/SIGTERM: the export stops, `run` stops before its next step. */
  signal?: AbortSignal;
}

export interface Planned {
  source: SourceCatalog;
  target: TargetCatalog;
  plan: MigrationPlan;
}

/** A table that is not loaded, and why (profile exclusions, history, cache, missing in the target). */
export interface SkippedReport {
  table: string;
  /** `source`: a MySQL table not loaded; `target`: a PostgreSQL table nothing feeds. */
  side: 'source' | 'target' | 'both';
  reason: string;
  detail: string;
  /** The operator expected it (profile `expectedMissingInTarget`, history or cache tables). */
  expected: boolean;
}

/** Runs `fn` as one item of a progress display (the step still moves when it has no tables to count). */
async function item<T>(progress: ProgressReporter, name: string, fn: () => Promise<T>): Promise<T> {
  progress.start(name, {});
  const value = await fn();
  progress.finish(name, 0, 0);
  return value;
}

export async function planStep(ctx: StepContext): Promise<Planned> {
  const { config, profile } = ctx;
  const progress = ctx.out.progress('plan', { tables: 2 });
  try {
    // Both settle before the command goes on: a failed MySQL connection must not leave the PostgreSQL
    // introspection running (and connected) after the command has returned.
    const [mysqlSide, pgSide] = await Promise.allSettled([
      item(progress, 'MySQL catalog', () => introspectMysql(config.mysqlUrl, config.mysqlDatabase)),
      item(progress, 'PostgreSQL catalog', () => introspectPg(config.pgUrl, config.pgSchema)),
    ]);
    if (mysqlSide.status === 'rejected') throw mysqlSide.reason;
    if (pgSide.status === 'rejected') throw pgSide.reason;
    const [source, target] = [mysqlSide.value, pgSide.value];
    const plan = planMigration(source, target, { ...profile, targetSchema: config.pgSchema });
    return { source, target, plan };
  } finally {
    progress.close();
  }
}

export async function checkStep(ctx: StepContext, planned: Planned): Promise<CheckReport> {
  const tables = planned.plan.tables.filter((t) => t.action === 'load');
  const progress = ctx.out.progress('check', { tables: tables.length });
  try {
    return await checkMigration({
      mysql: ctx.config.mysqlUrl,
      plan: planned.plan,
      source: planned.source,
      target: planned.target,
      jobs: ctx.config.jobs,
      valueExpression: selectExpressionFor,
      onTable: (table) =>
        progress.start(table, { rows: tables.find((t) => t.source === table)?.approxRows ?? 0 }),
      onTableDone: (table) => progress.finish(table, 0, 0),
    });
  } finally {
    progress.close();
  }
}

/** The catalog's size estimate of everything the plan reads (export and migrate progress). */
export function approxBytesOf(plan: MigrationPlan): number {
  return plan.tables.reduce((sum, t) => sum + t.approxBytes, 0);
}

export async function exportStep(
  ctx: StepContext,
  plan: MigrationPlan,
  options: { now?: Date } = {},
): Promise<{ dir: string; manifest: Manifest; notes?: string[] }> {
  const progress = ctx.out.progress('export', { bytes: approxBytesOf(plan), tables: plan.tables.length });
  try {
    return await exportDatabase({
      mysqlUrl: ctx.config.mysqlUrl,
      plan,
      outDir: ctx.config.exportBaseDir,
      app: ctx.config.app,
      jobs: ctx.config.jobs,
      progress,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  } finally {
    progress.close();
  }
}

/** How the target is loaded, as the config resolved it: one list for `import` and `migrate`. */
export function loadSettings(config: Config) {
  return {
    pgUrl: config.pgUrl,
    schema: config.pgSchema,
    fkStrategy: config.fkStrategy,
    mode: config.loadMode,
    jobs: config.jobs,
    replace: config.replace,
    triggers: config.triggers,
  };
}

export async function importStep(
  ctx: StepContext,
  dir: string,
  options: { includeHistory?: boolean; tables?: string[]; onTableLoaded?: (target: string) => void } = {},
): Promise<{ manifest: Manifest; result: ImportResult }> {
  // The manifest alone gives the totals for the progress; the loader validates (hashes) the files, once.
  const manifest = await readManifest(dir);
  if (options.includeHistory) refuseUnplannedHistory(dir, manifest.plan);
  const checking = ctx.out.progress('validate');
  const { progress } = ctx.out.deferredProgress(
    'import',
    { bytes: manifest.totals.bytes, tables: manifest.tables.length },
    checking,
  );
  try {
    const result = await importDirectory({
      ...loadSettings(ctx.config),
      dir,
      progress,
      validationProgress: checking,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(options.tables ? { tables: options.tables } : {}),
      ...(options.onTableLoaded
        ? { onTableLoaded: (t: { target: string }) => options.onTableLoaded?.(t.target) }
        : {}),
    });
    return { manifest, result };
  } finally {
    progress.close();
  }
}

/**
 * `import --include-history` on an export planned without it: the plan decided, and its history tables
 * were exported with their MySQL columns, never paired with (nor checked against) the target's.
 */
function refuseUnplannedHistory(dir: string, plan: MigrationPlan): void {
  const history = plan.tables.filter(
    (t) => t.action === 'export-only' && (t.skipReason === 'migration-history' || t.skipReason === 'cache'),
  );
  if (history.length === 0) return;
  throw new ConvError(
    `${dir} was planned without --include-history: ${history.map((t) => t.source).join(', ')} ${history.length === 1 ? 'was' : 'were'} exported for the record, not planned for loading`,
    {
      code: 'plan.history-not-planned',
      exit: ExitCode.usage,
      at: { file: dir },
      hint: 'Including history is a planning choice: export again with --include-history (or run --include-history), so that check scans those tables against their target columns.',
    },
  );
}

/**
 * The audit-log status of a failed load (import, migrate, or those steps of `run`): `rolled_back` when the
 * loader rolled its one transaction back, `failed` otherwise (nothing written yet, or per-table commits).
 */
export function failureStatus(err: unknown): 'rolled_back' | 'failed' {
  return rolledBack(err) ? 'rolled_back' : 'failed';
}

/**
 * Verifies the plan's tables. With `gate`, verification overlaps a load that is still running: each
 * table's MySQL side is summarised at once, its PostgreSQL side once the gate opens for it (the load's
 * progress owns the display meanwhile, so this one is only recorded for the report's timeline).
 */
export async function verifyStep(
  ctx: StepContext,
  plan: MigrationPlan,
  gate?: TableGate,
): Promise<VerifyReport> {
  const load = plan.tables.filter((t) => t.action === 'load');
  const totals = { tables: load.length, rows: load.reduce((s, t) => s + t.approxRows, 0) };
  let progress: ProgressReporter;
  if (gate) {
    const deferred = ctx.out.deferredProgress('verify', totals);
    progress = deferred.progress;
    gate.onOpenAll(deferred.show);
  } else progress = ctx.out.progress('verify', totals);
  try {
    return await verifyMigration({
      mysqlUrl: ctx.config.mysqlUrl,
      pgUrl: ctx.config.pgUrl,
      plan,
      mode: ctx.config.verifyMode,
      progress,
      ...(gate ? { ready: (t: { target: string }) => gate.wait(t.target) } : {}),
    });
  } finally {
    progress.close();
  }
}

/** Every table that the plan does not load, with the reason (the plan marks those the profile expects). */
export function skippedTables(plan: MigrationPlan): SkippedReport[] {
  return plan.skipped
    .map((s) => ({ table: s.table, side: s.side, reason: s.reason, detail: s.detail, expected: s.expected }))
    .sort((a, b) => a.table.localeCompare(b.table));
}

/** The tables an import left alone, in the same shape as skippedTables (the manifest's source tables). */
export function importSkipped(result: ImportResult): SkippedReport[] {
  return result.skipped.map((s) => ({
    table: s.table,
    side: 'source' as const,
    reason: s.reason,
    detail: s.detail,
    expected: s.expected,
  }));
}

export function formatSkipped(skipped: SkippedReport[]): string {
  if (skipped.length === 0) return 'Skipped tables: none';
  const lines = skipped.map(
    (s) => `  - ${s.table}: ${s.reason}${s.expected ? ' (expected by the profile)' : ''} — ${s.detail}`,
  );
  return `Skipped tables (${skipped.length}, not loaded into PostgreSQL):\n${lines.join('\n')}`;
}

/** The loader's debugging artifacts (generated SQL script, import log), as the run report lists them. */
export function loadArtifacts(result: {
  scriptFile: string;
  logFile: string;
}): { label: string; path: string }[] {
  return [
    { label: 'import script', path: result.scriptFile },
    { label: 'import log', path: result.logFile },
  ];
}

export function formatImport(result: ImportResult): string {
  const { tables, rows, bytes } = result.totals;
  const lines = [
    `Imported ${tables} tables, ${rows} rows, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${(result.ms / 1000).toFixed(1)} s`,
    `  foreign keys: ${result.strategyReason ?? result.strategy}`,
  ];
  if (result.sequences.length > 0) {
    const each = result.sequences.map((s) => `${s.sequence} → ${s.value}`).join(', ');
    lines.push(`  sequences reset: ${result.sequences.length} (next value: ${each})`);
  }
  for (const t of result.triggers ?? []) lines.push(`  trigger ${t.trigger} on ${t.table}: ${t.action}`);
  for (const r of result.replaced ?? []) lines.push(`  replaced: ${r.rows} rows that ${r.table} held before`);
  for (const s of result.skipped) lines.push(`  not loaded: ${s.table} (${s.reason})`);
  lines.push(`  import script: ${result.scriptFile}`, `  import log:    ${result.logFile}`);
  return lines.join('\n');
}

export function formatExport(dir: string, manifest: Manifest, notes: string[] = []): string {
  const snapshot = manifest.source.snapshot;
  return [
    `Exported ${manifest.totals.tables} tables, ${manifest.totals.rows} rows, ${(manifest.totals.bytes / 1024 / 1024).toFixed(1)} MB`,
    `  directory: ${dir}`,
    `  snapshot:  ${snapshot.consistent ? 'consistent' : 'NOT consistent'} over ${snapshot.connections} connection(s)${snapshot.binlogFile ? `, binlog ${snapshot.binlogFile}:${snapshot.binlogPosition}` : ''}`,
    ...notes.map((n) => `  note: ${n}`),
  ].join('\n');
}
