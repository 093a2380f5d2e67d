// Compares every value of every row of a source MySQL table with its loaded PostgreSQL table, under the
// value rules of DESIGN.md §3 — independently of the exporter's encoders: the source value is turned into
// PostgreSQL input text by the rules, PostgreSQL parses it with the target type, and the text PostgreSQL
// prints for it must equal the text it prints for the loaded value.
import {
  type ColumnPair,
  type Conversion,
  type PlannedTable,
  quoteMysqlIdent,
  quotePgIdent,
} from '@conv/core';
import { connectMysql } from '@conv/dialect/mysql';
import { mysqlDouble } from '@conv/mysql-export';
import type { TestMysqlDb, TestPgDb } from '@conv/testkit';

const AS_TEXT = new Set<Conversion>(['text', 'enum', 'set-text', 'binary-text']);

/** Source value → PostgreSQL input text, by the value rules (null = SQL NULL). */
export function sourceText(value: unknown, pair: ColumnPair): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    if (pair.conversion === 'bytea') return `\\x${value.toString('hex')}`;
    if (pair.conversion === 'boolean') return value.readUIntBE(0, value.length) === 0 ? 'false' : 'true';
    return value.toString('utf8');
  }
  const text = String(value);
  switch (pair.conversion) {
    case 'uuid':
      return text === '' ? null : text;
    case 'boolean':
      return text === '0' ? 'false' : text === '1' ? 'true' : text;
    case 'timestamp':
    case 'date':
      return /^0000-00-00|^\d{4}-00-|^\d{4}-\d\d-00/.test(text) ? null : text;
    default:
      return text;
  }
}

/** Reads a source table with exact settings (dates, decimals, 64-bit integers as text; binary as Buffer). */
async function sourceRows(my: TestMysqlDb, table: PlannedTable): Promise<unknown[][]> {
  // The exporter's connection settings: UTC session, utf8mb4, exact types as text, binary as Buffer.
  const conn = await connectMysql(my.url);
  try {
    const list = table.columns
      .map((p) =>
        p.conversion === 'float' ? mysqlDouble(quoteMysqlIdent(p.source)) : quoteMysqlIdent(p.source),
      )
      .join(', ');
    const [rows] = await conn.query({
      sql: `SELECT ${list} FROM ${quoteMysqlIdent(table.source)}`,
      rowsAsArray: true,
    });
    return rows as unknown[][];
  } finally {
    await conn.end();
  }
}

/** PostgreSQL's text for each source value parsed as the target type. */
async function canonicalColumn(
  pg: TestPgDb,
  pair: ColumnPair,
  values: (string | null)[],
): Promise<(string | null)[]> {
  if (AS_TEXT.has(pair.conversion)) return values;
  const rows = await pg.query<{ v: string | null }>(
    `SELECT (u.v::${pair.targetType})::text AS v FROM unnest($1::text[]) WITH ORDINALITY u(v, i) ORDER BY u.i`,
    [values],
  );
  return rows.map((r) => r.v);
}

export interface TableDiff {
  table: string;
  sourceRows: number;
  targetRows: number;
  /** Canonical rows present on one side only (first few). */
  onlyInSource: string[];
  onlyInTarget: string[];
}

/** Multiset comparison of canonical rows (no reliance on key order or collations). */
export async function compareTable(
  my: TestMysqlDb,
  pg: TestPgDb,
  schema: string,
  table: PlannedTable,
): Promise<TableDiff> {
  const src = await sourceRows(my, table);
  const columns: (string | null)[][] = [];
  for (const [i, pair] of table.columns.entries()) {
    columns.push(
      await canonicalColumn(
        pg,
        pair,
        src.map((r) => sourceText(r[i], pair)),
      ),
    );
  }
  const expected = src.map((_, r) => JSON.stringify(columns.map((c) => c[r] ?? null))).sort();
  const list = table.columns.map((p) => `${quotePgIdent(p.target)}::text`).join(', ');
  const target = await pg.client.query<(string | null)[]>({
    text: `SELECT ${list} FROM ${quotePgIdent(schema)}.${quotePgIdent(table.target)}`,
    rowMode: 'array',
  });
  const actual = target.rows.map((row) => JSON.stringify(row)).sort();
  const count = (xs: string[]) =>
    xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const e = count(expected);
  const a = count(actual);
  const onlyIn = (x: Map<string, number>, y: Map<string, number>) =>
    [...x].filter(([k, n]) => (y.get(k) ?? 0) < n).map(([k]) => k);
  return {
    table: table.target,
    sourceRows: src.length,
    targetRows: target.rows.length,
    onlyInSource: onlyIn(e, a).slice(0, 3),
    onlyInTarget: onlyIn(a, e).slice(0, 3),
  };
}
