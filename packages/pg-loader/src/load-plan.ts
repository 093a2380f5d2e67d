import { join } from 'node:path';
import {
  ConvError,
  ExitCode,
  type Manifest,
  type ManifestTable,
  type SkipReason as PlanSkipReason,
} from '@conv/core';
import type { LiveTarget } from './target.js';

export interface LoadTable {
  /** Source table name (as in the manifest). */
  table: string;
  schema: string;
  target: string;
  file: string;
  path: string;
  columns: string[];
  rows: number;
  bytes: number;
  sha256: string;
  /** The connected role owns the table (may drop and rebuild its indexes). */
  owned?: boolean;
  /** A partitioned table (no COPY FREEZE). */
  partitioned?: boolean;
  /** Sequences owned by the loaded columns (serial, identity) or called by their defaults. */
  sequences: { column: string; sequence: string }[];
}

/** One key range of a split table, as the caller (migrate) cut it in its snapshot. */
export interface LoadPart {
  /** 1-based. */
  index: number;
  of: number;
  /** Rows of the range in the snapshot: on resume the part is committed when the target's range holds them. */
  rows: number;
  /** The range in the target (`WHERE …` with `$n` parameters): the per-range "already committed" check. */
  targetWhere: { clause: string; values: unknown[] };
}

/** The plan's reasons, and the import's own: a table left out by `--tables`. */
export type SkipReason = PlanSkipReason | 'not-requested';

export interface SkippedLoad {
  table: string;
  reason: SkipReason;
  detail: string;
  /** The profile accounts for it (from the plan); a skip the live target caused is never expected. */
  expected: boolean;
}

export interface LoadPlan {
  tables: LoadTable[];
  skipped: SkippedLoad[];
  /** Where the live target departs from the plan (each one said in the import log). */
  notes: string[];
}

export interface LoadPlanOptions {
  schema: string;
  /** Only these tables (source or target names). */
  tables?: string[];
}

/**
 * Applies the manifest's plan to the LIVE target catalog: the plan decided which tables load (its
 * `export-only` tables, with their reason, are skipped here as they are); the live catalog only adds what
 * changed since (a planned table dropped since the export is skipped and noted, a missing column stops
 * the import).
 */
export function buildLoadPlan(
  dir: string,
  manifest: Manifest,
  live: LiveTarget,
  options: LoadPlanOptions,
): LoadPlan {
  const planned = new Map(manifest.plan.tables.map((t) => [t.source, t]));
  const planSkips = new Map(manifest.plan.skipped.map((s) => [s.table, s]));
  const only = options.tables ? new Set(options.tables) : null;
  if (only) {
    const known = new Set(manifest.tables.flatMap((t) => [t.table, t.target]));
    const unknown = [...only].filter((t) => !known.has(t));
    if (unknown.length) {
      throw new ConvError(`tables not in the export: ${unknown.join(', ')}`, {
        code: 'plan.unknown-table',
        exit: ExitCode.usage,
        hint: `The export holds: ${manifest.tables.map((t) => t.table).join(', ')}`,
      });
    }
  }
  const tables: LoadTable[] = [];
  const skipped: SkippedLoad[] = [];
  const notes: string[] = [];
  for (const entry of manifest.tables) {
    if (only && !only.has(entry.table) && !only.has(entry.target)) {
      skipped.push({
        table: entry.table,
        reason: 'not-requested',
        detail: 'not in the requested table list',
        expected: false,
      });
      continue;
    }
    const plan = planned.get(entry.table);
    if (plan?.action === 'export-only') {
      const reason = plan.skipReason ?? 'missing-in-target';
      const said = planSkips.get(entry.table);
      skipped.push({
        table: entry.table,
        reason,
        detail: said?.detail ?? `export-only in the plan (${reason})`,
        expected: said?.expected ?? false,
      });
      continue;
    }
    const liveTable = live.tables.get(entry.target);
    if (!liveTable) {
      const detail = `no table ${options.schema}.${entry.target} in the target: exported for the record, not loaded`;
      skipped.push({ table: entry.table, reason: 'missing-in-target', detail, expected: false });
      notes.push(`${entry.table}: the plan loads it, but ${detail}`);
      continue;
    }
    tables.push(toLoadTable(dir, entry, options.schema, liveTable));
  }
  return { tables, skipped, notes };
}

function toLoadTable(
  dir: string,
  entry: ManifestTable,
  schema: string,
  live: LiveTarget['tables'] extends Map<string, infer T> ? T : never,
): LoadTable {
  const missing = entry.columns.filter((c) => !live.columns.has(c));
  if (missing.length) {
    throw new ConvError(
      `${schema}.${entry.target} has no column ${missing.map((c) => `"${c}"`).join(', ')} (file ${entry.file}); nothing was written`,
      {
        code: 'target.column-missing',
        exit: ExitCode.checkFailed,
        at: { table: entry.target, column: missing[0], file: entry.file },
        hint: 'Run the application migrations that create the column, or re-plan and re-export against this target.',
      },
    );
  }
  const generated = entry.columns.filter((c) => live.columns.get(c)?.generated);
  if (generated.length) {
    throw new ConvError(
      `${schema}.${entry.target}: column ${generated.join(', ')} is GENERATED in the target and cannot be loaded (file ${entry.file}); nothing was written`,
      {
        code: 'target.column-generated',
        exit: ExitCode.checkFailed,
        at: { table: entry.target, column: generated[0], file: entry.file },
        hint: 'Re-plan against this target: generated columns are left out of the export.',
      },
    );
  }
  const sequences: LoadTable['sequences'] = [];
  for (const column of entry.columns) {
    for (const sequence of live.columns.get(column)?.sequences ?? []) sequences.push({ column, sequence });
  }
  return {
    table: entry.table,
    schema,
    target: entry.target,
    file: entry.file,
    path: join(dir, entry.file),
    columns: entry.columns,
    rows: entry.rows,
    bytes: entry.bytes,
    sha256: entry.sha256,
    owned: live.owned,
    partitioned: live.partitioned,
    sequences,
  };
}
