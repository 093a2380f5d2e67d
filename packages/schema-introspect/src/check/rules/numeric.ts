import { quotePgIdent } from '@conv/core';
import { fits, mysqlIntRange, PG_INT_RANGES } from '../ranges.js';
import type { ColumnRule, ColumnScan } from './scan.js';

/** Numbers: beyond an integer target's range, beyond numeric(p,s)'s integer digits, more decimals than s. */
export function numericRules(scan: ColumnScan): ColumnRule[] {
  return [intOutOfRange(scan), ...numericPrecision(scan)].filter((r) => r !== null);
}

function intOutOfRange({ pair, column, ctx, q, where, pgCol, shown }: ColumnScan): ColumnRule | null {
  const targetRange = PG_INT_RANGES[pair.targetBaseType];
  if (!targetRange || !['integer', 'numeric', 'year'].includes(pair.conversion)) return null;
  const sourceRange = mysqlIntRange(column.dataType, column.unsigned);
  if (sourceRange && fits(sourceRange, targetRange)) return null;
  return {
    code: 'out-of-range',
    severity: 'error',
    condition: `(${q} < ${targetRange.min} OR ${q} > ${targetRange.max})`,
    params: [],
    value: shown,
    message: (n) =>
      `${n} value(s) of ${where} (${column.columnType}) are outside the range of ${pair.targetType} ${ctx.targetTable}.${pair.target}`,
    fix: () =>
      `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE ${pair.targetBaseType === 'int8' ? 'numeric(20,0)' : 'bigint'} -- in PostgreSQL`,
  };
}

function numericPrecision({
  pair,
  column,
  target,
  ctx,
  q,
  kind,
  where,
  pgCol,
  shown,
}: ColumnScan): ColumnRule[] {
  const p = target.numericPrecision;
  if (pair.conversion !== 'numeric' && pair.conversion !== 'integer') return [];
  if (pair.targetBaseType !== 'numeric' || p === null) return [];
  const scale = target.numericScale ?? 0;
  const intDigits = p - scale;
  const intRange = mysqlIntRange(column.dataType, column.unsigned);
  const sourceIntDigits = intRange
    ? String(intRange.max).length
    : kind === 'decimal' && column.numericPrecision !== null
      ? column.numericPrecision - (column.numericScale ?? 0)
      : null;
  const sourceScale = kind === 'decimal' ? (column.numericScale ?? 0) : kind === 'integer' ? 0 : null;
  const widen = () =>
    `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE numeric -- in PostgreSQL`;
  const rules: ColumnRule[] = [];
  if (sourceIntDigits === null || sourceIntDigits > intDigits) {
    // An exact decimal literal: 10^(p-s) is the first absolute value numeric(p,s) cannot hold.
    const bound = `1${'0'.repeat(Math.max(0, intDigits))}`;
    rules.push({
      code: 'out-of-range',
      severity: 'error',
      condition: `ABS(${q}) >= ${bound}`,
      params: [],
      value: shown,
      message: (n) =>
        `${n} value(s) of ${where} (${column.columnType}) do not fit ${pair.targetType} ${ctx.targetTable}.${pair.target}`,
      fix: widen,
    });
  }
  if (sourceScale === null || sourceScale > scale) {
    rules.push({
      code: 'numeric-rounded',
      severity: 'warning',
      condition: `${q} <> ROUND(${q}, ${scale})`,
      params: [],
      value: shown,
      message: (n) =>
        `${n} value(s) of ${where} have more than ${scale} decimal(s): PostgreSQL rounds them in ${pair.targetType}`,
      fix: widen,
    });
  }
  return rules;
}
