import { quotePgIdent } from '@conv/core';
import { zeroDateReplacement } from '../source-dialect.js';
import type { ColumnRule, ColumnScan } from './scan.js';

/** Dates, timestamps and times: zero dates, fractions the target rounds, times beyond a day. */
export function temporalRules(scan: ColumnScan): ColumnRule[] {
  return [zeroDate(scan), fractionRounded(scan), timeOutOfRange(scan)].filter((r) => r !== null);
}

/**
 * A MySQL zero date, or one with zero parts (`0000-00-00`, `2021-00-05`): the load writes NULL for it.
 * YEAR/MONTH/DAYOFMONTH return 0 for the zero parts (measured: as cheap as reading the column; the string
 * test on CAST(… AS CHAR) cost twice as much).
 */
export function zeroDateCondition(q: string): string {
  return `(YEAR(${q}) = 0 OR MONTH(${q}) = 0 OR DAYOFMONTH(${q}) = 0)`;
}

function zeroDate({ pair, column, ctx, q, kind, where, update }: ColumnScan): ColumnRule | null {
  if (pair.conversion !== 'timestamp' && pair.conversion !== 'date') return null;
  if (kind !== 'date' && kind !== 'datetime') return null;
  const cond = zeroDateCondition(q);
  return {
    code: 'zero-date',
    severity: pair.targetNullable ? 'warning' : 'error',
    condition: cond,
    params: [],
    value: `CAST(${q} AS CHAR)`,
    message: (n) =>
      pair.targetNullable
        ? `${n} zero date(s) in ${where}: loaded as NULL`
        : `${n} zero date(s) in ${where}, bound for NOT NULL ${ctx.targetTable}.${pair.target}: the load would fail`,
    fix: () => update(pair.targetNullable ? 'NULL' : zeroDateReplacement(column), cond),
  };
}

function fractionRounded({ pair, column, target, q, where, pgCol }: ColumnScan): ColumnRule | null {
  const precision = target.datetimePrecision;
  if (pair.conversion !== 'timestamp' || precision === null || precision >= 6) return null;
  if ((column.datetimePrecision ?? 0) <= precision) return null;
  return {
    code: 'fraction-rounded',
    severity: 'warning',
    condition: `MOD(MICROSECOND(${q}), ${10 ** (6 - precision)}) <> 0`,
    params: [],
    value: `CAST(${q} AS CHAR)`,
    message: (n) =>
      `${n} value(s) of ${where} carry more fractional digits than ${pair.targetType}: PostgreSQL rounds them`,
    fix: () =>
      `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE timestamp(${column.datetimePrecision}) -- in PostgreSQL`,
  };
}

function timeOutOfRange({ pair, ctx, q, where, pgCol }: ColumnScan): ColumnRule | null {
  if (pair.conversion !== 'time') return null;
  return {
    code: 'time-out-of-range',
    severity: 'error',
    condition: `(${q} < '00:00:00' OR ${q} > '24:00:00')`,
    params: [],
    value: `CAST(${q} AS CHAR)`,
    message: (n) =>
      `${n} value(s) of ${where} lie outside 00:00..24:00, bound for time ${ctx.targetTable}.${pair.target}`,
    fix: () =>
      `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE interval -- in PostgreSQL`,
  };
}
