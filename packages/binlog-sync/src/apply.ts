import {
  ConvError,
  ExitCode,
  type ExitCodeValue,
  type MigrationPlan,
  type PlannedTable,
  quotePgIdent,
  quotePgQualified,
} from '@conv/core';
import { type Encoder, encoderFor } from '@conv/csv-codec';
import { pgLiteral } from '@conv/pg-loader';
import type pg from 'pg';
import { rowArray } from './decode.js';
import type { RowChange } from './reader.js';
import { transformedColumns } from './transforms.js';

/** How one planned table's changes are written: target names, the bulk load's encoders, the key. */
export interface TableApplier {
  table: PlannedTable;
  qualified: string;
  columns: string[];
  encoders: Encoder[];
  /** Indexes (in `table.columns`) of the row key: the primary key, else the first unique key. */
  keyIndexes: number[];
  transformIndexes: number[];
}

export function buildAppliers(plan: MigrationPlan): Map<string, TableApplier> {
  const out = new Map<string, TableApplier>();
  const keyless: string[] = [];
  for (const table of plan.tables) {
    if (table.action !== 'load') continue;
    const keyIndexes = table.rowKey.map((k) => table.columns.findIndex((c) => c.source === k));
    if (keyIndexes.length === 0 || keyIndexes.some((i) => i < 0)) {
      keyless.push(table.source);
      continue;
    }
    out.set(table.source, {
      table,
      qualified: quotePgQualified(table.targetSchema, table.target),
      columns: table.columns.map((c) => quotePgIdent(c.target)),
      encoders: table.columns.map(encoderFor),
      keyIndexes,
      transformIndexes: transformedColumns(table),
    });
  }
  if (keyless.length) {
    throw new ConvError(
      `table(s) ${keyless.join(', ')} have no primary or unique key: a binlog change cannot be matched to its row in PostgreSQL`,
      {
        code: 'table.no-key',
        exit: ExitCode.checkFailed,
        at: { table: keyless[0] },
        hint: 'add a primary key in MySQL (and the target), or keep these tables out of the plan (profile exclude)',
      },
    );
  }
  return out;
}

/** A change ready for PostgreSQL: encoded target texts (null = NULL). */
export interface EncodedChange {
  applier: TableApplier;
  kind: RowChange['kind'];
  /** All columns (insert, update). */
  values?: (string | null)[];
  /** Key of the row before the change (update, delete). */
  key?: (string | null)[];
}

function keyOf(applier: TableApplier, row: unknown[]): Record<string, string | null> {
  const key: Record<string, string | null> = {};
  for (const i of applier.keyIndexes) {
    const v = row[i];
    key[applier.table.columns[i]!.source] =
      v === null || v === undefined ? null : Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : String(v);
  }
  return key;
}

/** Encodes the columns at `indexes` (default all) of a row with the bulk load's encoders. */
export function encodeRow(
  applier: TableApplier,
  row: unknown[],
  where: string,
  indexes?: readonly number[],
): (string | null)[] {
  try {
    if (indexes) return indexes.map((i) => applier.encoders[i]!(row[i]));
    return applier.encoders.map((enc, i) => enc(row[i]));
  } catch (err) {
    const e = err as ConvError;
    const key = keyOf(applier, row);
    throw new ConvError(`table ${applier.table.source} row ${JSON.stringify(key)} (${where}): ${e.message}`, {
      code: e.code ?? 'data.value',
      exit: (e.exitCode as ExitCodeValue | undefined) ?? ExitCode.loadFailed,
      at: { ...(e.location ?? {}), table: applier.table.source, key },
      hint: e.hint,
      cause: err,
    });
  }
}

/** Raw rows of a change in plan column order (before transforms and encoders). */
export function rawRows(applier: TableApplier, change: RowChange): { before?: unknown[]; after?: unknown[] } {
  const pairs = applier.table.columns;
  return {
    ...(change.before ? { before: rowArray(pairs, change.before, change.table) } : {}),
    ...(change.after ? { after: rowArray(pairs, change.after, change.table) } : {}),
  };
}

const MAX_ROWS_PER_STATEMENT = 1000;
const MAX_CHARS_PER_ROUND_TRIP = 4 * 1024 * 1024;

function literal(value: string | null): string {
  return value === null ? 'NULL' : pgLiteral(value);
}

/**
 * The changes as SQL statements, in order: consecutive inserts (or deletes) of one table become one
 * statement. Values are the encoders' texts as untyped literals (pg-loader's pgLiteral), which PostgreSQL
 * reads with the column's input function — as COPY does — and which let a whole batch go in one round trip.
 */
export function changeStatements(changes: readonly EncodedChange[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < changes.length) {
    const c = changes[i]!;
    const a = c.applier;
    if (c.kind === 'update') {
      const set = a.columns.map((col, k) => `${col} = ${literal(c.values![k]!)}`).join(', ');
      const where = a.keyIndexes.map((ki, k) => `${a.columns[ki]} = ${literal(c.key![k]!)}`).join(' AND ');
      out.push(`UPDATE ${a.qualified} SET ${set} WHERE ${where}`);
      i++;
      continue;
    }
    let j = i;
    while (
      j < changes.length &&
      j - i < MAX_ROWS_PER_STATEMENT &&
      changes[j]!.applier === a &&
      changes[j]!.kind === c.kind
    )
      j++;
    const tuples = changes
      .slice(i, j)
      .map((g) => `(${(c.kind === 'insert' ? g.values! : g.key!).map(literal).join(', ')})`);
    if (c.kind === 'insert') {
      out.push(`INSERT INTO ${a.qualified} (${a.columns.join(', ')}) VALUES ${tuples.join(', ')}`);
    } else {
      const keys = a.keyIndexes.map((ki) => a.columns[ki]).join(', ');
      out.push(`DELETE FROM ${a.qualified} WHERE (${keys}) IN (${tuples.join(', ')})`);
    }
    i = j;
  }
  return out;
}

/** Runs the changes in order, many statements per round trip (inside the caller's transaction). */
export async function applyChanges(client: pg.ClientBase, changes: readonly EncodedChange[]): Promise<void> {
  let pending: string[] = [];
  let size = 0;
  const flush = async () => {
    if (pending.length) await client.query(pending.join(';\n'));
    pending = [];
    size = 0;
  };
  for (const st of changeStatements(changes)) {
    pending.push(st);
    size += st.length;
    if (size >= MAX_CHARS_PER_ROUND_TRIP) await flush();
  }
  await flush();
}
