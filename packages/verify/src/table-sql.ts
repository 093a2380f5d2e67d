import type { ColumnPair, PlannedTable } from '@conv/core';
import { quoteMysqlIdent, quotePgIdent, quotePgQualified } from '@conv/core';
import { isFixedFormat, isJsonb, mysqlCanonical, pgCanonical } from './canonical.js';

/** The table alias `selectExpressionFor` of @conv/mysql-export refers to (its SOURCE_ALIAS, not exported). */
export const SOURCE_ALIAS = 'src';

/**
 * All the SQL that verify runs for one table, on both sides. A row is hashed as the SHA-256 of its *row text*:
 * every column's canonical text — text-like values length-prefixed (`<bytes>:<text>`, so that no two rows
 * can print the same text; fixed-format values need no prefix) — or `~` for NULL, joined with `,`. jsonb columns are hashed apart (see `jsonb`) and appended as
 * MD5s of PostgreSQL's jsonb text. 60 bits of each row hash are summed per chunk: order-independent,
 * exact (SUM gives DECIMAL/numeric on both engines), and duplicate rows do not cancel out as with XOR.
 */
export interface TableSql {
  table: PlannedTable;
  /** Pairs hashed in SQL on both sides, in plan order. */
  plain: ColumnPair[];
  /** jsonb pairs: PostgreSQL's text of the MySQL value is needed, computed by PostgreSQL itself. */
  jsonb: ColumnPair[];
  /** Key pairs (rowKey, in order); empty when the table has no usable key. */
  key: ColumnPair[];
  /** How chunks are cut: key ranges when both engines order the key the same way, else key-hash buckets. */
  chunking: 'range' | 'bucket';
  mysql: SideSql;
  pg: SideSql;
}

export interface SideSql {
  from: string;
  /** Row text of the plain columns (`''` when there are none). */
  rowText: string;
  /** 60 bits of digest(text) as an unsigned integer expression. */
  hash60(text: string): string;
  /** Lower-case hex SHA-256 of the UTF-8 text (see README "Why SHA-256"). */
  digest(text: string): string;
  /** Canonical field expression (length-prefixed or `~`) per plain column. */
  fields: string[];
  /** Canonical text of each key column (for reports and matching rows). */
  keyCanonical: string[];
  /** Key text used for hash buckets (the row text when the table has no key). */
  keyText: string;
  /** Bucket number (0..n-1) of a row, n given as a parameter placeholder. */
  bucket(n: number): string;
  /** The raw key column, for range predicates (uses the key's index). */
  keyColumn: string | null;
  /** Per jsonb column: the raw text (MySQL) / md5 of jsonb text or `~` (PostgreSQL). */
  jsonbExprs: string[];
  /** Positional parameter for the n-th (1-based) value. */
  param(n: number): string;
}

/**
 * The row hash, the same bytes on both engines: SHA-256, not MD5, because MariaDB's MD5() costs ~0.8 µs
 * per call against ~0.15 µs for SHA2() (measured, README "Why SHA-256"); PostgreSQL's sha256 is as cheap
 * as its md5 (cheaper on long rows). CRC32 would be cheaper still on MariaDB, but PostgreSQL 15 has none.
 */
const myDigest = (t: string) => `SHA2(${t}, 256)`;
const pgDigest = (t: string) => `encode(sha256(convert_to(${t}, 'UTF8')), 'hex')`;

/** Key types whose order is the same in MySQL (index order) and PostgreSQL: range chunks are safe. */
function rangeSafe(key: ColumnPair[]): boolean {
  if (key.length !== 1) return false;
  const k = key[0]!;
  if (k.transform) return false;
  if (k.conversion === 'integer') return true;
  // char/varchar UUIDs (case-insensitive collations compare hex digits as PostgreSQL's uuid does) and
  // binary(16) (byte order). MariaDB's own `uuid` type sorts in a swapped order: not range-safe.
  return k.conversion === 'uuid' && ['char', 'varchar', 'binary'].includes(k.sourceDataType.toLowerCase());
}

/**
 * `onlyParent`: the target table has inheritance children outside the plan; read its own rows only.
 * `utf8mb4Stored`: source columns stored as utf8mb4, read without `CONVERT` (see mysqlCanonical).
 */
export function buildTableSql(
  table: PlannedTable,
  database: string,
  onlyParent = false,
  utf8mb4Stored: ReadonlySet<string> = new Set(),
): TableSql {
  const plain = table.columns.filter((p) => !isJsonb(p));
  const jsonb = table.columns.filter(isJsonb);
  const byName = new Map(table.columns.map((p) => [p.source, p]));
  const keyPairs = table.rowKey.map((k) => byName.get(k));
  const key = keyPairs.every((p) => p !== undefined) ? (keyPairs as ColumnPair[]) : [];
  const chunking = rangeSafe(key) ? 'range' : 'bucket';

  // Fixed-format values cannot contain `,` nor be `~`: no length prefix needed (see isFixedFormat).
  const myField = (e: string, p: ColumnPair) =>
    isFixedFormat(p) ? `COALESCE(${e}, '~')` : `COALESCE(CONCAT(CAST(LENGTH(${e}) AS CHAR), ':', ${e}), '~')`;
  const myJoin = (fs: string[]) => (fs.length === 0 ? "''" : `CONCAT_WS(',', ${fs.join(', ')})`);
  const myFields = plain.map((p) => myField(mysqlCanonical(p, database, utf8mb4Stored), p));
  const myKeyCanonical = key.map((p) => mysqlCanonical(p, database, utf8mb4Stored));
  const myRowText = myJoin(myFields);
  const myKeyText = key.length ? myJoin(myKeyCanonical.map((e, i) => myField(e, key[i]!))) : myRowText;

  const pgField = (e: string, p: ColumnPair) =>
    isFixedFormat(p) ? `coalesce(${e}, '~')` : `coalesce(octet_length(${e})::text || ':' || ${e}, '~')`;
  const pgJoin = (fs: string[]) => (fs.length === 0 ? "''" : fs.join(" || ',' || "));
  const pgFields = plain.map((p) => pgField(pgCanonical(p), p));
  const pgKeyCanonical = key.map((p) => pgCanonical(p));
  const pgRowText = pgJoin(pgFields);
  const pgKeyText = key.length ? pgJoin(pgKeyCanonical.map((e, i) => pgField(e, key[i]!))) : pgRowText;

  const mysql: SideSql = {
    from: `${quoteMysqlIdent(database)}.${quoteMysqlIdent(table.source)} ${quoteMysqlIdent(SOURCE_ALIAS)}`,
    rowText: myRowText,
    hash60: (t) => `CAST(CONV(LEFT(${myDigest(t)}, 15), 16, 10) AS UNSIGNED)`,
    digest: myDigest,
    fields: myFields,
    keyCanonical: myKeyCanonical,
    keyText: myKeyText,
    bucket: (n) => `(CAST(CONV(LEFT(${myDigest(myKeyText)}, 8), 16, 10) AS UNSIGNED) % ${n})`,
    keyColumn:
      chunking === 'range' ? `${quoteMysqlIdent(SOURCE_ALIAS)}.${quoteMysqlIdent(key[0]!.source)}` : null,
    jsonbExprs: jsonb.map((p) => mysqlCanonical(p, database, utf8mb4Stored)),
    param: () => '?',
  };
  const pg: SideSql = {
    from: `${onlyParent ? 'ONLY ' : ''}${quotePgQualified(table.targetSchema, table.target)}`,
    rowText: pgRowText,
    hash60: (t) => `('x' || left(${pgDigest(t)}, 15))::bit(60)::bigint`,
    digest: pgDigest,
    fields: pgFields,
    keyCanonical: pgKeyCanonical,
    keyText: pgKeyText,
    bucket: (n) => `((('x' || left(${pgDigest(pgKeyText)}, 8))::bit(32)::bigint) % ${n})`,
    keyColumn: chunking === 'range' ? quotePgIdent(key[0]!.target) : null,
    jsonbExprs: jsonb.map((p) => `coalesce(md5(${quotePgIdent(p.target)}::text), '~')`),
    param: (n) => `$${n}`,
  };
  return { table, plain, jsonb, key, chunking, mysql, pg };
}

/**
 * The text whose digest is a row's hash. Without jsonb columns: the row text. With them: the digest of
 * the plain row text, then one field per jsonb column (MD5 of PostgreSQL's jsonb text, or `~`).
 */
export function pgRowHashText(sql: TableSql): string {
  if (sql.jsonb.length === 0) return sql.pg.rowText;
  return [sql.pg.digest(sql.pg.rowText), ...sql.pg.jsonbExprs].join(" || ',' || ");
}
