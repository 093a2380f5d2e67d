import { ConvError, ExitCode, type MigrationPlan } from '@conv/core';
import { databaseOf } from '@conv/dialect/mysql';
import { checkConstraints } from './constraints.js';
import { inheritanceParents } from './inheritance.js';
import { type TableVerifyResult, type VerifyReport, verifyReport } from './report.js';
import { buildTableSql } from './table-sql.js';
import { diffKeys } from './table-verify.js';
import { openWorker, queryError } from './verify.js';

/** Keys of one table to compare: as MySQL stores them, and as PostgreSQL prints the target key. */
export interface TableKeys {
  /** Source table name (a `load` table of the plan). */
  table: string;
  source: unknown[][];
  target: (string | null)[][];
}

export interface VerifyKeysOptions {
  mysqlUrl: string;
  pgUrl: string;
  plan: MigrationPlan;
  keys: TableKeys[];
  /** Most differing rows listed per table (default 20). */
  maxMismatches?: number;
  /** List the differing rows' keys as each side stores them (RowMismatch.sourceKey/targetKey). */
  rawKeys?: boolean;
  /** Abandons the comparison between two lookups (throws the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Compares only the rows with the given keys, row by row, read from MySQL and PostgreSQL themselves (the
 * cut-over after a background full verify: the rows changed since). A key looked up on one side only is
 * compared with whatever the other side's lookups found: a row present on one side only is a difference.
 */
export async function verifyKeys(options: VerifyKeysOptions): Promise<VerifyReport> {
  const started = Date.now();
  const database = databaseOf(options.mysqlUrl) ?? options.plan.source.database;
  const limit = options.maxMismatches ?? 20;
  const loaded = options.plan.tables.filter((t) => t.action === 'load');
  const w = await openWorker(options.mysqlUrl, options.pgUrl);
  const results: TableVerifyResult[] = [];
  let constraints: VerifyReport['constraints'] = [];
  try {
    const parents = await inheritanceParents(w.pg);
    for (const k of options.keys) {
      const table = loaded.find((t) => t.source === k.table);
      if (!table) {
        throw new ConvError(`not a loaded table of the plan: ${k.table}`, {
          code: 'plan.unknown-table',
          exit: ExitCode.usage,
          at: { table: k.table },
        });
      }
      if (k.source.length === 0 && k.target.length === 0) continue;
      const t0 = Date.now();
      const sql = buildTableSql(table, database, parents.has(`${table.targetSchema}.${table.target}`));
      if (sql.key.length === 0) {
        throw new ConvError(`table ${table.source} has no row key: its rows cannot be looked up by key`, {
          code: 'table.no-key',
          exit: ExitCode.usage,
          at: { table: table.source },
        });
      }
      try {
        const r = await diffKeys(w, sql, k, limit + 1, options.rawKeys, options.signal);
        results.push({
          table: table.source,
          target: table.target,
          sourceRows: r.sourceRows,
          targetRows: r.targetRows,
          countMatch: !r.mismatches.some((m) => m.kind !== 'differs'),
          checksumMatch: !r.mismatches.some((m) => m.kind === 'differs'),
          mismatches: r.mismatches.slice(0, limit),
          mismatchesTruncated: r.mismatches.length > limit,
          chunks: { chunking: 'none', total: 0, checked: 0, mismatched: 0 },
          ms: Date.now() - t0,
        });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        throw queryError(err, table);
      }
    }
    constraints = await checkConstraints(
      w.pg,
      loaded.map((t) => ({ schema: t.targetSchema, name: t.target })),
    );
  } finally {
    await w.close();
  }
  return verifyReport(results, constraints, {
    mode: 'keys',
    hashIn: 'sql',
    chunkRows: 0,
    samplePercent: null,
    started,
  });
}
