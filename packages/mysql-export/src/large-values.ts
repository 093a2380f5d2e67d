import { type ColumnPair, type PlannedTable, quoteMysqlIdent } from '@conv/core';
import type mysql from 'mysql2/promise';
import { SOURCE_ALIAS, selectExpressionFor } from './select.js';

/**
 * Values longer than this (bytes) are not read in the row: the driver holds a row whole, several times
 * over (packet, decoded value, hex text, CSV line, UTF-8 bytes), so one 64 MB value cost ~500 MB of RSS.
 * Such values are read afterwards by primary key in pieces, in the same snapshot transaction.
 */
export const LARGE_VALUE_BYTES = 4 * 1024 * 1024;
/**
 * Piece size of a large value, in bytes (a text's UTF-8 bytes): at least 4 MB, at most 32 pieces. The
 * server copies the whole value for each piece (SUBSTRING of a text by characters even scans it from the
 * start), so fewer, larger pieces for the rare 1 GB value.
 */
export function pieceBytes(length: number, min = PIECE_BYTES): number {
  return Math.max(min, Math.ceil(length / 32));
}

export const PIECE_BYTES = 4 * 1024 * 1024;

/** Where a value counts as large, and the smallest piece (tests use small ones). */
export interface LargeValueOptions {
  threshold?: number;
  pieceBytes?: number;
}

const LONG_TEXT = new Set(['mediumtext', 'longtext']);
const LONG_BLOB = new Set(['mediumblob', 'longblob']);
/** Key types that compare exactly when sent back as mysql2 delivered them (not FLOAT/DOUBLE text). */
const INEXACT_KEY = new Set(['float', 'double', 'real']);

/** How a table's large values are read apart; null when they are read in the row as before. */
export interface LargeValuePlan {
  /** Indexes (in table.columns) of columns whose values may be read in pieces. */
  columns: number[];
  /** Indexes (in table.columns) of the primary-key columns. */
  key: number[];
  threshold: number;
  pieceBytes: number;
}

/** Text read as characters, blob as bytes: no conversion in between, no transform. */
function pieceKind(pair: ColumnPair): 'text' | 'bytes' | null {
  if (pair.transform) return null;
  const type = pair.sourceDataType.toLowerCase();
  if (pair.conversion === 'text' && LONG_TEXT.has(type)) return 'text';
  if (pair.conversion === 'bytea' && LONG_BLOB.has(type)) return 'bytes';
  return null;
}

/**
 * The large-value plan of a table: it needs a long text/blob column read as is and a primary key to find
 * the row again (without one, values are read in the row and memory grows with them, see the README).
 */
export function largeValuePlan(table: PlannedTable, options: LargeValueOptions = {}): LargeValuePlan | null {
  const threshold = options.threshold ?? LARGE_VALUE_BYTES;
  const piece = options.pieceBytes ?? PIECE_BYTES;
  if (!Number.isSafeInteger(threshold) || threshold < 1 || !Number.isSafeInteger(piece) || piece < 1)
    return null;
  const columns = table.columns.flatMap((c, i) => (pieceKind(c) ? [i] : []));
  if (!columns.length || !table.primaryKey.length) return null;
  const key = table.primaryKey.map((k) => table.columns.findIndex((c) => c.source === k));
  if (key.some((i) => i < 0 || INEXACT_KEY.has(table.columns[i]!.sourceDataType.toLowerCase()))) return null;
  return { columns, key, threshold, pieceBytes: piece };
}

const col = (pair: ColumnPair) => `${quoteMysqlIdent(SOURCE_ALIAS)}.${quoteMysqlIdent(pair.source)}`;
const from = (table: PlannedTable, database: string) =>
  `FROM ${quoteMysqlIdent(database)}.${quoteMysqlIdent(table.source)} ${quoteMysqlIdent(SOURCE_ALIAS)}`;

/**
 * The table's SELECT with every large value left out (NULL), then the raw primary key and a flag column
 * (1 when some value was left out): `table.columns.length + key.length + 1` values per row.
 */
export function largeAwareQuery(table: PlannedTable, database: string, plan: LargeValuePlan): string {
  return `SELECT ${largeAwareList(table, database, plan).join(', ')} ${from(table, database)}`;
}

function largeAwareList(table: PlannedTable, database: string, plan: LargeValuePlan): string[] {
  const big = new Set(plan.columns);
  const long = (i: number) => `LENGTH(${col(table.columns[i]!)}) > ${plan.threshold}`;
  const list = table.columns.map((pair, i) =>
    big.has(i) ? `CASE WHEN ${long(i)} THEN NULL ELSE ${col(pair)} END` : selectExpressionFor(pair, database),
  );
  const keys = plan.key.map((i) => col(table.columns[i]!));
  const flag = `COALESCE(${plan.columns.map(long).join(' OR ')}, 0)`;
  return [...list, ...keys, flag];
}

const keyWhere = (table: PlannedTable, plan: LargeValuePlan) =>
  `WHERE ${plan.key.map((i) => `${col(table.columns[i]!)} = ?`).join(' AND ')}`;

/**
 * One row found by key: the values of `largeAwareQuery`, then per large column its length in bytes (of
 * the piece source) when it was left out, else NULL.
 */
export function largeRowQuery(
  table: PlannedTable,
  database: string,
  plan: LargeValuePlan,
  utf8Stored: ReadonlySet<string>,
): string {
  const base = largeAwareList(table, database, plan);
  const lengths = plan.columns.map((i) => {
    const pair = table.columns[i]!;
    return `CASE WHEN LENGTH(${col(pair)}) > ${plan.threshold} THEN LENGTH(${pieceSource(pair, utf8Stored)}) END`;
  });
  return `SELECT ${[...base, ...lengths].join(', ')} ${from(table, database)} ${keyWhere(table, plan)}`;
}

/** Character sets whose stored bytes are UTF-8 already: CAST AS BINARY, no conversion. */
export const UTF8_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);

/** What pieces are cut from: a blob's bytes, a text's UTF-8 bytes (converted when stored otherwise). */
function pieceSource(pair: ColumnPair, utf8Stored: ReadonlySet<string>): string {
  if (pieceKind(pair) !== 'text') return col(pair);
  return utf8Stored.has(pair.source)
    ? `CAST(${col(pair)} AS BINARY)`
    : `CAST(CONVERT(${col(pair)} USING utf8mb4) AS BINARY)`;
}

/**
 * Every piece of a large value in one streamed result, in order (`n`, piece): the row is found once by
 * key (a const lookup) and cut `count` times. A recursive CTE (MySQL 8, MariaDB 10.2) numbers the pieces;
 * no ORDER BY (a filesort of the pieces took 10 s for 64 MB): they come in CTE order, and the reader
 * refuses any other (it checks `n`).
 * Values: count, size, size, key….
 */
export function piecesQuery(
  table: PlannedTable,
  database: string,
  plan: LargeValuePlan,
  column: number,
  utf8Stored: ReadonlySet<string>,
): string {
  const source = pieceSource(table.columns[column]!, utf8Stored);
  const n = quoteMysqlIdent('n');
  const p = quoteMysqlIdent('conv_piece');
  return (
    `WITH RECURSIVE ${p} (${n}) AS (SELECT 0 UNION ALL SELECT ${n} + 1 FROM ${p} WHERE ${n} + 1 < ?) ` +
    `SELECT ${p}.${n}, SUBSTRING(${source}, ${p}.${n} * ? + 1, ?) FROM ${p} JOIN ${from(table, database).slice(5)} ` +
    `ON ${plan.key.map((i) => `${col(table.columns[i]!)} = ?`).join(' AND ')}`
  );
}

/** The stored character set of each column of a table, lower case (columns without one are left out). */
export async function columnCharsets(
  conn: mysql.Connection,
  database: string,
  table: string,
): Promise<Map<string, string>> {
  const [rows] = await conn.query({
    sql: `SELECT COLUMN_NAME, CHARACTER_SET_NAME FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CHARACTER_SET_NAME IS NOT NULL`,
    values: [database, table],
  });
  return new Map(
    (rows as { COLUMN_NAME: string; CHARACTER_SET_NAME: string }[]).map((r) => [
      r.COLUMN_NAME,
      r.CHARACTER_SET_NAME.toLowerCase(),
    ]),
  );
}
