import { quotePgIdent } from '@conv/core';
import type { ColumnRule, ColumnScan } from './scan.js';

/**
 * `real` (float4) refuses what it cannot hold: beyond ±FLT_MAX (+ half an ulp, which rounds to infinity)
 * and non-zero values so small they round to 0 (below half the smallest subnormal).
 */
const FLOAT4_OVER = '3.4028235677973366e38';
const FLOAT4_UNDER = '7.006492321624085e-46';

/** Last day of the value's month, computed from its year and month (LAST_DAY of an invalid date is NULL). */
const lastDay = (q: string) =>
  `DAYOFMONTH(LAST_DAY(MAKEDATE(YEAR(${q}), 1) + INTERVAL (MONTH(${q}) - 1) MONTH))`;

/**
 * Value rules that the load would otherwise find the hard way: a double beyond `real`, and calendar
 * dates that do not exist (`2021-02-30`, stored under `ALLOW_INVALID_DATES`). Same SQL on MySQL 8 and
 * MariaDB (YEAR/MONTH/DAYOFMONTH/MAKEDATE/LAST_DAY exist in both).
 */
export function valueBoundRules({ pair, column, ctx, q, kind, where, pgCol }: ColumnScan): ColumnRule[] {
  const rules: ColumnRule[] = [];

  if (pair.targetBaseType === 'float4' && (kind === 'double' || kind === 'decimal')) {
    const cond = `(ABS(${q}) > ${FLOAT4_OVER} OR (${q} <> 0 AND ABS(${q}) < ${FLOAT4_UNDER}))`;
    rules.push({
      code: 'out-of-range',
      severity: 'error',
      condition: cond,
      params: [],
      value: `CAST(${q} AS CHAR)`,
      message: (n) =>
        `${n} value(s) of ${where} (${column.columnType}) are outside the range of real ${ctx.targetTable}.${pair.target} (±3.4e38, non-zero above 1.4e-45): the load would fail`,
      fix: () =>
        `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE double precision -- in PostgreSQL`,
    });
  }

  if (
    (pair.conversion === 'timestamp' || pair.conversion === 'date') &&
    (kind === 'date' || kind === 'datetime')
  ) {
    // Zero parts are the zero-date rule's; here: a real month whose day does not exist.
    const cond = `(YEAR(${q}) <> 0 AND MONTH(${q}) <> 0 AND DAYOFMONTH(${q}) > ${lastDay(q)})`;
    rules.push({
      code: 'invalid-date',
      severity: 'error',
      condition: cond,
      params: [],
      value: `CAST(${q} AS CHAR)`,
      message: (n) =>
        `${n} value(s) of ${where} are not calendar dates (e.g. February 30th, stored under ALLOW_INVALID_DATES): PostgreSQL rejects them`,
      fix: () =>
        `UPDATE ${ctx.table} SET ${q} = ${pair.targetNullable ? 'NULL' : `${kind === 'date' ? '' : `TIMESTAMP(`}LAST_DAY(MAKEDATE(YEAR(${q}), 1) + INTERVAL (MONTH(${q}) - 1) MONTH)${kind === 'date' ? '' : `, TIME(${q}))`}`} WHERE ${cond}`,
    });
  }
  return rules;
}
