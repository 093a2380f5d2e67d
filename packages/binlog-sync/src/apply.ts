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
      'sync.no-key',
      ExitCode.checkFailed,
      { table: keyless[0] },
      'add a primary key in MySQL (and the target), or keep these tables out of the plan (profile exclude)',
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
    throw new ConvError(
      `table ${applier.table.source} row ${JSON.stringify(key)} (${where}): ${e.message}`,
      e.code ?? 'data.value',
      (e.exitCode as ExitCodeValue | undefined) ?? ExitCode.loadFailed,
      { ...(e.location ?? {}), table: applier.table.source, key },
      e.hint,
      { cause: err },
    );
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

const MAX_PARAMS = 30_000;

/** Runs the changes in order: consecutive inserts (or deletes) of one table go as one statement. */
export async function applyChanges(client: pg.ClientBase, changes: readonly EncodedChange[]): Promise<void> {
  let i = 0;
  while (i < changes.length) {
    const c = changes[i]!;
    const a = c.applier;
    if (c.kind === 'update') {
      const n = a.columns.length;
      const set = a.columns.map((col, k) => `${col} = $${k + 1}`).join(', ');
      const where = a.keyIndexes.map((ki, k) => `${a.columns[ki]} = $${n + k + 1}`).join(' AND ');
      await client.query(`UPDATE ${a.qualified} SET ${set} WHERE ${where}`, [...c.values!, ...c.key!]);
      i++;
      continue;
    }
    const width = c.kind === 'insert' ? a.columns.length : a.keyIndexes.length;
    const maxRows = Math.max(1, Math.floor(MAX_PARAMS / width));
    let j = i;
    while (j < changes.length && j - i < maxRows && changes[j]!.applier === a && changes[j]!.kind === c.kind)
      j++;
    const group = changes.slice(i, j);
    const params: (string | null)[] = [];
    const tuples = group.map((g) => {
      const vals = c.kind === 'insert' ? g.values! : g.key!;
      const start = params.length;
      params.push(...vals);
      return `(${vals.map((_, k) => `$${start + k + 1}`).join(', ')})`;
    });
    if (c.kind === 'insert') {
      await client.query(
        `INSERT INTO ${a.qualified} (${a.columns.join(', ')}) VALUES ${tuples.join(', ')}`,
        params,
      );
    } else {
      const keys = a.keyIndexes.map((ki) => a.columns[ki]).join(', ');
      await client.query(`DELETE FROM ${a.qualified} WHERE (${keys}) IN (${tuples.join(', ')})`, params);
    }
    i = j;
  }
}
