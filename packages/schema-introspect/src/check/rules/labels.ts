import { quotePgIdent } from '@conv/core';
import type { ColumnRule, ColumnScan } from './scan.js';

/** Targets with a closed set of values: a boolean from an integer, a PostgreSQL enum's labels. */
export function labelRules(scan: ColumnScan): ColumnRule[] {
  return [notABoolean(scan), unknownEnumLabel(scan)].filter((r) => r !== null);
}

function notABoolean({ pair, ctx, q, kind, where, shown, update }: ColumnScan): ColumnRule | null {
  if (pair.conversion !== 'boolean' || kind !== 'integer') return null;
  const cond = `${q} NOT IN (0, 1)`;
  return {
    code: 'not-a-boolean',
    severity: 'error',
    condition: cond,
    params: [],
    value: shown,
    message: (n) =>
      `${n} value(s) of ${where} are neither 0 nor 1, bound for boolean ${ctx.targetTable}.${pair.target}`,
    fix: () =>
      `profile transform "${ctx.tableName}.${pair.source}": {"kind":"sql","expression":"({{value}} <> 0)"} -- or ${update('1', cond)}`,
  };
}

function unknownEnumLabel({ pair, ctx, q, where, shown, update }: ColumnScan): ColumnRule | null {
  const labels = pair.targetEnumLabels;
  if (pair.conversion !== 'enum' || !labels) return null;
  // Binary comparison: MySQL's _ci collations would accept 'Active' for the label 'active'; PostgreSQL does not.
  const cond =
    labels.length > 0
      ? `${q} IS NOT NULL AND CAST(${q} AS BINARY) NOT IN (${labels.map(() => '?').join(', ')})`
      : `${q} IS NOT NULL`;
  return {
    code: 'unknown-enum-label',
    severity: 'error',
    condition: cond,
    params: labels,
    value: shown,
    message: (n) =>
      `${n} value(s) of ${where} are not labels of ${pair.targetType} (${ctx.targetTable}.${pair.target})`,
    fix: () =>
      `ALTER TYPE ${quotePgIdent(pair.targetBaseType)} ADD VALUE '<label>' -- in PostgreSQL, per missing label; or ${update('<label>', cond, labels)}`,
  };
}
