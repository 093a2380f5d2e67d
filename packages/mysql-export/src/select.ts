import type { ColumnPair, PlannedTable } from '@conv/core';
import { mysqlIndexedEquals, quoteMysqlIdent } from '@conv/core';
import { isSpatialType, mysqlBitInteger, mysqlDouble, mysqlSpatialWkb } from './source-values.js';

/** Alias of the exported table in the SELECT, so that lookup subqueries can refer to it unambiguously. */
export const SOURCE_ALIAS = 'src';

/** The SELECT expression of one column: the column itself, FLOAT widened, or the profile's transform. */
export function selectExpressionFor(pair: ColumnPair, database?: string): string {
  const col = `${quoteMysqlIdent(SOURCE_ALIAS)}.${quoteMysqlIdent(pair.source)}`;
  const t = pair.transform;
  if (t?.kind === 'base64') {
    // TO_BASE64 breaks lines every 76 characters (MIME style): the text column wants one line.
    return `REPLACE(REPLACE(TO_BASE64(${col}), CHAR(10), ''), CHAR(13), '')`;
  }
  if (t?.kind === 'lookup') {
    const lk = quoteMysqlIdent('lk');
    const table = (database ? `${quoteMysqlIdent(database)}.` : '') + quoteMysqlIdent(t.table);
    const match = `${lk}.${quoteMysqlIdent(t.matchColumn)}`;
    const value = `${lk}.${quoteMysqlIdent(t.valueColumn)}`;
    // Values that already are a valueColumn (or match nothing) are kept as they are. Compared as UTF-8
    // bytes, as PostgreSQL compares text, through the lookup column's own index (mysqlIndexedEquals).
    const equals = (lkCol: string, collation: string | undefined) =>
      mysqlIndexedEquals(lkCol, col, { collation });
    return (
      `CASE WHEN ${col} IS NULL OR EXISTS (SELECT 1 FROM ${table} ${lk} WHERE ${equals(value, t.valueCollation)}) THEN ${col} ` +
      `ELSE COALESCE((SELECT ${value} FROM ${table} ${lk} WHERE ${equals(match, t.matchCollation)} LIMIT 1), ${col}) END`
    );
  }
  if (t?.kind === 'sql') return t.expression.replaceAll('{{value}}', col);
  // The text protocol prints FLOAT with 6 significant digits; as DOUBLE it prints the stored value exactly.
  // The server's text of the widened value: mysql2's DOUBLE parser would round some of them (as for DOUBLE).
  if (pair.conversion === 'float' || pair.sourceDataType === 'float')
    return `CAST(${mysqlDouble(col)} AS CHAR)`;
  if (pair.sourceDataType === 'bit' && pair.conversion === 'integer') return mysqlBitInteger(col);
  if (isSpatialType(pair.sourceDataType)) return mysqlSpatialWkb(col);
  // mysql2's text-protocol parser rounds some 16-17 digit doubles (95.29497715889039 → 95.2949771588904);
  // the server's own text is the shortest exact one, so DOUBLE travels as that text.
  if (pair.sourceDataType === 'double') return `CAST(${col} AS CHAR)`;
  return col;
}

/** The SELECT list of a planned table, in `table.columns` order (generated columns are not in it). */
export function selectListFor(table: PlannedTable, database?: string): string {
  return table.columns.map((pair) => selectExpressionFor(pair, database)).join(', ');
}

/** The full export query of a table. */
export function exportQueryFor(table: PlannedTable, database: string): string {
  return (
    `SELECT ${selectListFor(table, database)} FROM ${quoteMysqlIdent(database)}.${quoteMysqlIdent(table.source)} ` +
    quoteMysqlIdent(SOURCE_ALIAS)
  );
}
