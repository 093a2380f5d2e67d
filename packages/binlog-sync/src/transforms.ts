import type { ColumnPair, PlannedTable } from '@conv/core';
import { quoteMysqlIdent } from '@conv/core';
import { SOURCE_ALIAS, selectExpressionFor } from '@conv/mysql-export';
import type mysql from 'mysql2/promise';

/**
 * Profile transforms (base64, lookup, sql) are MySQL expressions over the source column. For a binlog row
 * they are evaluated by MySQL on the row image itself: the export's own SELECT expression, over a derived
 * table `src` holding the binlog values — the same SQL, so the same result as the bulk export.
 * (A lookup reads its lookup table as it is *now*, not as of the event.)
 */
export function transformedColumns(table: PlannedTable): number[] {
  return table.columns.map((c, i) => (c.transform ? i : -1)).filter((i) => i >= 0);
}

export async function applyTransforms(
  conn: mysql.Connection,
  database: string,
  table: PlannedTable,
  indexes: readonly number[],
  values: unknown[],
): Promise<void> {
  if (indexes.length === 0) return;
  const pairs: ColumnPair[] = indexes.map((i) => table.columns[i]!);
  const derived = pairs.map((p) => `? AS ${quoteMysqlIdent(p.source)}`).join(', ');
  const sql = `SELECT ${pairs.map((p) => selectExpressionFor(p, database)).join(', ')} FROM (SELECT ${derived}) ${quoteMysqlIdent(SOURCE_ALIAS)}`;
  const [rows] = await conn.query(
    { sql, rowsAsArray: true },
    indexes.map((i) => values[i]),
  );
  const out = (rows as unknown[][])[0]!;
  indexes.forEach((i, k) => {
    values[i] = out[k];
  });
}
