import type {
  ColumnPair,
  Finding,
  MigrationPlan,
  PlannedTable,
  SourceCatalog,
  SourceColumn,
  SourceTable,
  TargetCatalog,
} from '@conv/core';
import { ConvError, ExitCode, isMysqlLostConnection, quoteMysqlIdent } from '@conv/core';
import { EXACT_SUBQUERY_SESSION } from '@conv/dialect/mysql';
import type mysql from 'mysql2/promise';
import { naturalTargetFor, sourceKind } from '../conversions.js';
import { orphanChecks, orphanRule } from './orphans.js';
import { partitionCoverage } from './partitions.js';
import { rulesFor, type ScanRule, transformedRules } from './rules.js';
import { keyText, printable } from './values.js';

type Row = Record<string, unknown>;

export interface DataScanOptions {
  sampleSize: number;
  /** Called before each table is scanned (progress). */
  onTable?: (table: string) => void;
  /** Called once a table's scan has ended (tables are scanned side by side on `conns`). */
  onTableDone?: (table: string) => void;
  /**
   * The export's SELECT expression of a column (mysql-export's selectExpressionFor, table alias `src`):
   * columns with a profile transform are scanned through it, so check sees the value the export writes.
   */
  valueExpression?: (pair: ColumnPair, database: string) => string;
}

/**
 * Scans the source rows of every loaded table for values the target would reject or change: one aggregate
 * pass per table (SUM(CASE …) for all its rules at once, on the MySQL server), then a LIMIT-ed sample query
 * only for the rules that fired. Orphaned foreign-key rows: one anti-join count per FK. The passes and the
 * counts run side by side on `conns`.
 */
export async function scanData(
  conns: mysql.Connection[],
  plan: MigrationPlan,
  source: SourceCatalog,
  target: TargetCatalog,
  options: DataScanOptions,
): Promise<Finding[]> {
  const db = plan.source.database;
  const findings: Finding[] = [];
  const orphans = orphanChecks(plan, target, db, source);
  // A profile's lookup transform is a correlated subquery: MariaDB's subquery cache would match keys in
  // the column's collation. Sessions conv opens have it off already; a connection passed in gets it here.
  for (const conn of conns) await conn.query(EXACT_SUBQUERY_SESSION);
  // Each table's shared pass is one unit of work, each standalone count (an orphan anti-join) another:
  // largest first on `conns`, so a big table's pass and its anti-joins run side by side.
  const units: { table: PlannedTable; src: SourceTable; rules: ScanRule[] }[] = [];
  const pending = new Map<string, number>();
  for (const table of plan.tables) {
    const src = source.tables.find((t) => t.name === table.source);
    if (!src) continue;
    const rules = rulesOf(table, src);
    const shared = rules.filter((r) => !r.standalone);
    const parts = [...(shared.length ? [shared] : []), ...rules.filter((r) => r.standalone).map((r) => [r])];
    if (!parts.length) {
      options.onTable?.(table.source);
      options.onTableDone?.(table.source);
    }
    pending.set(table.source, parts.length);
    for (const part of parts) units.push({ table, src, rules: part });
  }
  units.sort(
    (a, b) =>
      b.table.approxBytes - a.table.approxBytes ||
      Number(!!b.rules[0]?.standalone) - Number(!!a.rules[0]?.standalone),
  );
  const started = new Set<string>();
  let failure: unknown;
  await Promise.all(
    conns.map(async (conn) => {
      for (let unit = units.shift(); unit && failure === undefined; unit = units.shift()) {
        const name = unit.table.source;
        if (!started.has(name)) {
          started.add(name);
          options.onTable?.(name);
        }
        try {
          findings.push(...(await scanUnit(conn, unit.table, unit.src, unit.rules)));
        } catch (err) {
          failure ??= err;
        } finally {
          const left = (pending.get(name) ?? 1) - 1;
          pending.set(name, left);
          if (left === 0) options.onTableDone?.(name);
        }
      }
    }),
  );
  if (failure !== undefined) throw failure;
  return findings;

  /** The scan rules of one table: per column, plus its orphan checks. */
  function rulesOf(table: PlannedTable, src: SourceTable): ScanRule[] {
    // Export-only tables are scanned too: their CSV must still be written (a NUL in text or a zero date in a
    // NOT NULL column stops the export), against the natural PostgreSQL types the plan paired them with.
    const qualified = `${quoteMysqlIdent(db)}.${quoteMysqlIdent(table.source)}`;
    const ctx = {
      table: qualified,
      tableName: table.source,
      targetTable: table.target,
      targetSchema: table.targetSchema,
    };
    const tgt = target.tables.find((t) => t.name === table.target);
    const rules = table.columns.flatMap((pair) => {
      const column = src.columns.find((c) => c.name === pair.source);
      const targetColumn =
        table.action === 'load'
          ? tgt?.columns.find((c) => c.name === pair.target)
          : column && naturalTargetFor(column);
      if (!column || !targetColumn) return [];
      if (!pair.transform) return rulesFor(pair, column, targetColumn, ctx);
      return options.valueExpression
        ? transformedRules(pair, column, targetColumn, ctx, options.valueExpression(pair, db))
        : [];
    });
    for (const check of orphans) if (check.table === table) rules.push(orphanRule(check));
    if (table.action === 'load' && tgt?.partitioned) {
      const coverage = partitionCoverage(table, tgt, target, src.columns);
      if (coverage.kind === 'counted') rules.push(coverage.rule);
      if (coverage.kind === 'unknown') {
        findings.push({
          severity: 'warning',
          code: 'partition-coverage-unknown',
          table: table.source,
          column: null,
          message: `check cannot tell whether every row of ${table.source} has a partition of ${table.target}: ${coverage.why}; a row without one fails the load`,
          count: null,
          samples: [],
          fix: `give ${table.target} a DEFAULT partition, or make sure the partitions cover every key`,
        });
      }
    }
    return rules;
  }

  async function scanUnit(
    conn: mysql.Connection,
    table: PlannedTable,
    src: SourceTable,
    rules: ScanRule[],
  ): Promise<Finding[]> {
    const qualified = `${quoteMysqlIdent(db)}.${quoteMysqlIdent(table.source)}`;
    try {
      return await scanTable(conn, qualified, table, src, rules, options.sampleSize);
    } catch (err) {
      if (isMysqlLostConnection(err)) {
        throw new ConvError(
          `check: the MySQL connection was lost while scanning table ${table.source}: ${(err as Error).message}`,
          {
            code: 'connect.lost',
            exit: ExitCode.connection,
            at: { table: table.source, engine: 'MySQL' },
            hint: 'the server closed the session (KILL, KILL QUERY, a restart, a crash or the network): the data is not at fault; check the server and run check again',
            cause: err,
          },
        );
      }
      throw new ConvError(`check: scanning MySQL table ${table.source} failed: ${(err as Error).message}`, {
        code: 'check.scan-failed',
        at: { table: table.source },
        hint: 'the table may have changed since the catalog was read: run check again',
        cause: err,
      });
    }
  }
}

async function scanTable(
  conn: mysql.Connection,
  qualified: string,
  table: PlannedTable,
  src: SourceTable,
  rules: ScanRule[],
  sampleSize: number,
): Promise<Finding[]> {
  const select: string[] = [];
  const params: unknown[] = [];
  rules.forEach((r, i) => {
    if (r.standalone) return;
    select.push(`SUM(CASE WHEN ${r.condition} THEN 1 ELSE 0 END) AS r${i}`);
    params.push(...r.params);
    if (r.measure) select.push(`MAX(CASE WHEN ${r.condition} THEN ${r.measure} END) AS m${i}`);
    if (r.measure) params.push(...r.params);
  });
  const agg: Row = {};
  if (select.length > 0) {
    Object.assign(agg, (await rows(conn, `SELECT ${select.join(', ')} FROM ${qualified} c`, params))[0]);
  }
  for (const [i, r] of rules.entries()) {
    if (!r.standalone) continue;
    const [row] = await rows(
      conn,
      `SELECT COUNT(*) AS r${i} ${r.from ?? `FROM ${qualified} c WHERE ${r.condition}`}`,
      r.params,
    );
    Object.assign(agg, row);
  }
  const findings: Finding[] = [];
  const keyCols = table.rowKey;
  for (const [i, r] of rules.entries()) {
    const count = Number(agg[`r${i}`] ?? 0);
    if (!count) continue;
    const measure = r.measure ? (agg[`m${i}`] == null ? null : String(agg[`m${i}`])) : null;
    // Qualified: a rule's `from` may join other tables (an orphan's parent) with the same column names.
    const key = (k: string) => `c.${quoteMysqlIdent(k)}`;
    const keys = keyCols.map(
      (k, j) =>
        `${keyExpr(
          key(k),
          src.columns.find((c) => c.name === k),
        )} AS k${j}`,
    );
    const order = keyCols.length > 0 ? ` ORDER BY ${keyCols.map(key).join(', ')}` : '';
    const sampleRows = await rows(
      conn,
      `SELECT ${[...keys, `${r.value} AS v`].join(', ')} ${r.from ?? `FROM ${qualified} c WHERE ${r.condition}`}${order} LIMIT ${sampleSize}`,
      r.params,
    );
    findings.push({
      severity: r.severity,
      code: r.code,
      table: table.source,
      column: r.column,
      message: r.message(count, measure),
      count,
      samples: sampleRows.map((row) => sampleOf(row, keyCols)),
      fix: r.fix(measure),
    });
  }
  return findings;
}

/** Key values as text made by the server (64-bit integers, decimals, dates); binary keys as bytes. */
function keyExpr(expr: string, column: SourceColumn | undefined): string {
  return column && sourceKind(column) === 'binary' ? expr : `CAST(${expr} AS CHAR)`;
}

function sampleOf(row: Row, keyCols: string[]): Finding['samples'][number] {
  const key: Record<string, string | null> = {};
  keyCols.forEach((k, i) => {
    key[k] = keyText(row[`k${i}`]);
  });
  return { key, value: printable(row['v']) };
}

/**
 * Server-side prepared statements: `?` inside a quoted identifier is never taken for a placeholder, and the
 * values travel as parameters.
 */
async function rows(conn: mysql.Connection, sql: string, params: unknown[] = []): Promise<Row[]> {
  try {
    const [result] = await conn.execute(sql, params as never[]);
    return result as Row[];
  } finally {
    // Each scan statement runs once: do not keep it prepared on the server (max_prepared_stmt_count).
    conn.unprepare(sql);
  }
}
