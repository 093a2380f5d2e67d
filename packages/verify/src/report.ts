import { ExitCode, formatDuration } from '@conv/core';
import pc from 'picocolors';
import type { ConstraintProblem } from './constraints.js';

/** `keys`: only the rows of given keys, compared row by row (the cut-over after a background verify). */
export type VerifyMode = 'counts' | 'full' | 'sample' | 'keys';

/** One row that differs: its key (target column → canonical text) and the target columns that differ. */
export interface RowMismatch {
  key: Record<string, string | null>;
  columns: string[];
  /** `differs`: both sides have the row; `missing-in-target` / `extra-in-target`: only one side has it. */
  kind: 'differs' | 'missing-in-target' | 'extra-in-target';
  /** With `rawKeys`: the key as MySQL stores it (when MySQL has the row), to look the row up again. */
  sourceKey?: unknown[];
  /** With `rawKeys`: the key as PostgreSQL prints it (when PostgreSQL has the row). */
  targetKey?: (string | null)[];
}

export interface TableVerifyResult {
  table: string;
  target: string;
  sourceRows: number;
  targetRows: number;
  countMatch: boolean;
  /** null when not computed (counts mode). In sample mode: over the sampled chunks only. */
  checksumMatch: boolean | null;
  mismatches: RowMismatch[];
  /** True when more differing rows exist than were listed. */
  mismatchesTruncated: boolean;
  chunks: { chunking: 'range' | 'bucket' | 'none'; total: number; checked: number; mismatched: number };
  ms: number;
}

export interface VerifyReport {
  ok: boolean;
  mode: VerifyMode;
  /** Where row hashes were computed (see the README for why `sql` is the default). */
  hashIn: 'sql' | 'node';
  chunkRows: number;
  samplePercent: number | null;
  tables: TableVerifyResult[];
  /** Foreign keys of loaded tables missing (dropped by an unfinished import) or NOT VALID. */
  constraints?: ConstraintProblem[];
  totals: { tables: number; sourceRows: number; targetRows: number; mismatchedTables: number };
  ms: number;
}

export function tableOk(t: TableVerifyResult): boolean {
  return t.countMatch && t.checksumMatch !== false;
}

/** The report of the verified tables: `ok` and the totals, decided in one place for every verify mode. */
export function verifyReport(
  tables: TableVerifyResult[],
  constraints: ConstraintProblem[],
  run: Pick<VerifyReport, 'mode' | 'hashIn' | 'chunkRows' | 'samplePercent'> & { started: number },
): VerifyReport {
  const mismatched = tables.filter((t) => !tableOk(t)).length;
  const { started, ...how } = run;
  return {
    ok: mismatched === 0 && constraints.length === 0,
    constraints,
    ...how,
    tables,
    totals: {
      tables: tables.length,
      sourceRows: tables.reduce((s, t) => s + t.sourceRows, 0),
      targetRows: tables.reduce((s, t) => s + t.targetRows, 0),
      mismatchedTables: mismatched,
    },
    ms: Date.now() - started,
  };
}

/** 0 when every table matched, 4 (ExitCode.verifyMismatch) otherwise. */
export function verifyExitCode(report: VerifyReport): 0 | 4 {
  return report.ok ? ExitCode.ok : ExitCode.verifyMismatch;
}

function pad(text: string, width: number, right = false): string {
  // Widths count characters; table names are ASCII in practice.
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Tenths of a second below a minute: verify of a small table takes well under one. */
function duration(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}

function keyText(key: Record<string, string | null>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v === null ? 'NULL' : v}`)
    .join(', ');
}

/** A terminal table: one line per table, then the differing rows. */
export function formatVerifyReport(report: VerifyReport, options: { color?: boolean } = {}): string {
  const c = pc.createColors(options.color ?? false);
  const headers = ['table', 'rows source', 'rows target', 'checksum', 'time'];
  const lines = report.tables.map((t) => [
    t.table === t.target ? t.table : `${t.table} → ${t.target}`,
    String(t.sourceRows),
    String(t.targetRows),
    t.checksumMatch === null
      ? '-'
      : t.checksumMatch
        ? report.mode === 'sample'
          ? `ok (${t.chunks.checked}/${t.chunks.total} chunks)`
          : 'ok'
        : report.mode === 'keys'
          ? `DIFFERS (${t.mismatches.length}${t.mismatchesTruncated ? '+' : ''} row(s))`
          : `DIFFERS (${t.chunks.mismatched} chunk${t.chunks.mismatched === 1 ? '' : 's'})`,
    duration(t.ms),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const out: string[] = [];
  out.push(
    c.bold(
      headers
        .map((h, i) => pad(h, widths[i]!, i > 0 && i < 3))
        .join('  ')
        .trimEnd(),
    ),
  );
  report.tables.forEach((t, row) => {
    const cells = lines[row]!.map((cell, i) => pad(cell, widths[i]!, i > 0 && i < 3));
    if (!t.countMatch) {
      cells[1] = c.red(cells[1]!);
      cells[2] = c.red(cells[2]!);
    }
    if (t.checksumMatch === false) cells[3] = c.red(cells[3]!);
    else if (t.checksumMatch === true) cells[3] = c.green(cells[3]!);
    out.push(cells.join('  ').trimEnd());
  });
  const bad = report.tables.filter((t) => !tableOk(t));
  for (const t of bad) {
    out.push('');
    out.push(
      c.red(
        `${t.table}: ${t.countMatch ? 'same row count' : `${t.sourceRows} rows in MySQL, ${t.targetRows} in PostgreSQL`}`,
      ),
    );
    for (const m of t.mismatches) {
      const what =
        m.kind === 'differs'
          ? `columns ${m.columns.join(', ')} differ`
          : m.kind === 'missing-in-target'
            ? 'missing in PostgreSQL'
            : 'only in PostgreSQL';
      out.push(`  ${keyText(m.key)}: ${what}`);
    }
    if (t.mismatchesTruncated)
      out.push(`  … more rows differ (only the first ${t.mismatches.length} are listed)`);
  }
  for (const p of report.constraints ?? []) {
    out.push('');
    out.push(
      c.red(
        `${p.table}: foreign key ${p.constraint} ${p.problem === 'missing' ? 'is missing' : 'is NOT VALID'}: ${p.detail}`,
      ),
    );
  }
  const summary =
    `${report.mode} verification of ${report.totals.tables} table(s), ${report.totals.sourceRows} source rows: ` +
    (report.ok
      ? 'everything matches'
      : `${report.totals.mismatchedTables} table(s) differ${report.constraints?.length ? `, ${report.constraints.length} foreign key(s) not as the schema had them` : ''}`) +
    ` in ${duration(report.ms)}`;
  out.push('');
  out.push(report.ok ? c.green(summary) : c.red(summary));
  return out.join('\n');
}
