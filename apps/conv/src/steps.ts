// The steps of a migration, shared by the single commands and by `run`. Each returns plain data;
// printing is the caller's business.
import type {
  Manifest,
  MigrationPlan,
  ProfileInput,
  ProgressReporter,
  SourceCatalog,
  TargetCatalog,
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
  selectExpressionFor,
  type VerifyReport,
  validateExportDirectory,
  verifyMigration,
} from './deps.js';
import type { Output } from './output.js';

export interface StepContext {
  config: Config;
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
  // The scan names each table as it begins: the one before is then done.
  let current: string | undefined;
  try {
    return await checkMigration({
      mysql: ctx.config.mysqlUrl,
      plan: planned.plan,
      source: planned.source,
      target: planned.target,
      valueExpression: selectExpressionFor,
      onTable: (table) => {
        if (current) progress.finish(current, 0, 0);
        current = table;
        progress.start(table, { rows: tables.find((t) => t.source === table)?.approxRows ?? 0 });
      },
    });
  } finally {
    if (current) progress.finish(current, 0, 0);
    progress.close();
  }
}

export async function exportStep(
  ctx: StepContext,
  plan: MigrationPlan,
  options: { now?: Date } = {},
): Promise<{ dir: string; manifest: Manifest; notes?: string[] }> {
  const totalBytes = plan.tables.reduce((sum, t) => sum + t.approxBytes, 0);
  const progress = ctx.out.progress('export', { bytes: totalBytes, tables: plan.tables.length });
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

export async function importStep(
  ctx: StepContext,
  dir: string,
  options: { includeHistory?: boolean; tables?: string[] } = {},
): Promise<{ manifest: Manifest; result: ImportResult }> {
  // Validated (and hashed) once, with its own progress; the import then trusts this manifest.
  const checking = ctx.out.progress('validate');
  let manifest: Manifest;
  try {
    manifest = await validateExportDirectory(dir, {
      progress: checking,
      ...(options.tables ? { tables: options.tables } : {}),
    });
  } finally {
    checking.close();
  }
  const progress = ctx.out.progress('import', {
    bytes: manifest.totals.bytes,
    tables: manifest.tables.length,
  });
  try {
    const result = await importDirectory({
      pgUrl: ctx.config.pgUrl,
      dir,
      manifest,
      schema: ctx.config.pgSchema,
      fkStrategy: ctx.config.fkStrategy,
      mode: ctx.config.loadMode,
      replace: ctx.config.replace,
      triggers: ctx.config.triggers,
      progress,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(options.includeHistory !== undefined ? { includeHistory: options.includeHistory } : {}),
      ...(options.tables ? { tables: options.tables } : {}),
    });
    return { manifest, result };
  } finally {
    progress.close();
  }
}

export async function verifyStep(ctx: StepContext, plan: MigrationPlan): Promise<VerifyReport> {
  const load = plan.tables.filter((t) => t.action === 'load');
  const progress = ctx.out.progress('verify', {
    tables: load.length,
    rows: load.reduce((s, t) => s + t.approxRows, 0),
  });
  try {
    return await verifyMigration({
      mysqlUrl: ctx.config.mysqlUrl,
      pgUrl: ctx.config.pgUrl,
      plan,
      mode: ctx.config.verifyMode,
      progress,
    });
  } finally {
    progress.close();
  }
}

/** Tables the profile expects not to load (history, cache, excluded, expected missing in the target). */
function expectedSkips(profile: ProfileInput): Set<string> {
  return new Set([
    ...(profile.expectedMissingInTarget ?? []),
    ...(profile.historyTables ?? []),
    ...(profile.cacheTables ?? []),
    ...(profile.exclude ?? []),
  ]);
}

/** Every table that the plan does not load, with the reason. */
export function skippedTables(plan: MigrationPlan, profile: ProfileInput): SkippedReport[] {
  const expected = expectedSkips(profile);
  const out: SkippedReport[] = [];
  for (const t of plan.tables) {
    if (t.action === 'load') continue;
    out.push({
      table: t.source,
      side: 'source',
      reason: t.skipReason ?? 'export-only',
      detail: 'exported to CSV, not loaded',
      expected: expected.has(t.source),
    });
  }
  for (const s of plan.skipped) {
    if (out.some((o) => o.table === s.table)) continue;
    out.push({
      table: s.table,
      side: s.side,
      reason: s.reason,
      detail: s.detail,
      expected: expected.has(s.table),
    });
  }
  return out.sort((a, b) => a.table.localeCompare(b.table));
}

/** The tables an import left alone, in the same shape as skippedTables (the manifest's source tables). */
export function importSkipped(result: ImportResult, profile: ProfileInput): SkippedReport[] {
  const expected = expectedSkips(profile);
  return result.skipped.map((s) => ({
    table: s.table,
    side: 'source' as const,
    reason: s.reason,
    detail: s.detail,
    expected: expected.has(s.table),
  }));
}

export function formatSkipped(skipped: SkippedReport[]): string {
  if (skipped.length === 0) return 'Skipped tables: none';
  const lines = skipped.map(
    (s) => `  - ${s.table}: ${s.reason}${s.expected ? ' (expected by the profile)' : ''} — ${s.detail}`,
  );
  return `Skipped tables (${skipped.length}, not loaded into PostgreSQL):\n${lines.join('\n')}`;
}

export function formatImport(result: ImportResult): string {
  const rows = result.loaded.reduce((s, t) => s + t.rows, 0);
  const bytes = result.loaded.reduce((s, t) => s + t.bytes, 0);
  const lines = [
    `Imported ${result.loaded.length} tables, ${rows} rows, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${(result.ms / 1000).toFixed(1)} s`,
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
