// Which tables `migrate` reads and loads in primary-key ranges, and the ranges themselves. The rule is
// decided once from the plan's estimates; the boundaries are verify's (rangeChunks), read in the snapshot.
import type { PlannedTable } from '@conv/core';
import type { LoadPart } from '@conv/pg-loader';
import { buildTableSql, type Chunk, chunkWhere, rangeChunks, type TableSql } from '@conv/verify';
import type mysql from 'mysql2/promise';

/** Default floor of `splitMinMb`: below it a table is never split, however uneven the sizes. */
export const DEFAULT_SPLIT_MIN_MB = 64;

/** The decision for one table larger than its share of the work (`parts` 1: not split, and why). */
export interface SplitDecision {
  table: string;
  target: string;
  parts: number;
  reason: string;
}

export interface SplitRule {
  jobs: number;
  mode: 'single-transaction' | 'per-table';
  /** A table is split only above this many estimated bytes (and above total/jobs). */
  minBytes: number;
  database: string;
}

/**
 * A table is split when its estimated bytes exceed both its share of the work (total / jobs) and
 * `minBytes`, into min(jobs, ceil(bytes / that threshold)) parts. Only in per-table mode (single-transaction
 * loads every table in turn on one connection: parts could not load side by side) and only on a key whose
 * order is the same in MySQL and PostgreSQL (verify's range-safe keys: one integer or UUID column).
 */
export function planSplit(tables: PlannedTable[], rule: SplitRule): SplitDecision[] {
  const total = tables.reduce((n, t) => n + t.approxBytes, 0);
  const threshold = Math.max(total / Math.max(1, rule.jobs), rule.minBytes);
  const out: SplitDecision[] = [];
  for (const t of tables) {
    if (rule.jobs < 2 || t.approxBytes <= threshold) continue;
    const base = { table: t.source, target: t.target };
    const wanted = Math.min(rule.jobs, Math.ceil(t.approxBytes / threshold));
    if (rule.mode !== 'per-table') {
      out.push({ ...base, parts: 1, reason: 'not split: single-transaction loads on one connection' });
    } else if (buildTableSql(t, rule.database).chunking !== 'range') {
      out.push({ ...base, parts: 1, reason: 'not split: no single integer or UUID key to cut ranges on' });
    } else {
      out.push({
        ...base,
        parts: wanted,
        reason: `${(t.approxBytes / 1048576).toFixed(0)} MB estimated, above ${(threshold / 1048576).toFixed(0)} MB (total/jobs or --split-min-mb)`,
      });
    }
  }
  return out;
}

/** One range as migrate reads it (MySQL) and as the loader checks it on resume (PostgreSQL). */
export interface TableRange {
  part: LoadPart;
  mysqlWhere: { clause: string; values: unknown[] };
}

/**
 * The ranges of a split table, in the snapshot: every ceil(rows/parts)-th key (verify's boundaries), so
 * each range's row count is known exactly. Fewer ranges when the table has fewer rows than parts.
 */
export async function cutRanges(
  conn: mysql.Connection,
  table: PlannedTable,
  database: string,
  rows: number,
  parts: number,
): Promise<TableRange[]> {
  const sql: TableSql = buildTableSql(table, database);
  const per = Math.max(1, Math.ceil(rows / parts));
  const chunks: Chunk[] = await rangeChunks(conn, sql, per);
  return chunks.map((chunk, i) => ({
    part: {
      index: i + 1,
      of: chunks.length,
      rows: i < chunks.length - 1 ? per : rows - per * (chunks.length - 1),
      targetWhere: chunkWhere(sql.pg, [chunk], 'pg'),
    },
    mysqlWhere: chunkWhere(sql.mysql, [chunk], 'mysql'),
  }));
}
