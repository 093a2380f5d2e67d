import mysql from 'mysql2/promise';
import type { ColumnRule, ColumnScan } from './scan.js';

/** `\u0000` preceded by an even number of backslashes (an escaped backslash before `u0000` is harmless). */
export const JSON_NUL_REGEXP = '(^|[^\\\\])(\\\\\\\\)*\\\\u0000';
const JSON_NUL_TEXT = '\\u0000';

/** json/jsonb targets: text that is no JSON, and `\u0000` that jsonb rejects. */
export function jsonRules(scan: ColumnScan): ColumnRule[] {
  return [invalidJson(scan), jsonbNul(scan)].filter((r) => r !== null);
}

function invalidJson({ pair, column, ctx, q, where, shown, update }: ColumnScan): ColumnRule | null {
  if ((pair.conversion !== 'json' && pair.conversion !== 'jsonb') || column.dataType === 'json') return null;
  const cond = `${q} IS NOT NULL AND NOT JSON_VALID(${q})`;
  return {
    code: 'invalid-json',
    severity: 'error',
    condition: cond,
    params: [],
    value: shown,
    message: (n) =>
      `${n} value(s) of ${where} are not valid JSON, bound for ${pair.targetType} ${ctx.targetTable}.${pair.target}`,
    fix: () =>
      pair.targetNullable
        ? update('NULL', cond)
        : `fix the values in MySQL (${mysql.format(`SELECT * FROM ${ctx.table} WHERE ${cond}`)}) or make ${ctx.targetTable}.${pair.target} text`,
  };
}

function jsonbNul({ pair, ctx, q, where, shown, update }: ColumnScan): ColumnRule | null {
  if (pair.conversion !== 'jsonb') return null;
  const cond = `LOCATE(?, ${q}) > 0 AND ${q} REGEXP ?`;
  const params = [JSON_NUL_TEXT, JSON_NUL_REGEXP];
  return {
    code: 'jsonb-nul',
    severity: 'error',
    condition: cond,
    params,
    value: shown,
    message: (n) =>
      `${n} JSON value(s) of ${where} contain \\u0000, which jsonb ${ctx.targetTable}.${pair.target} rejects`,
    fix: () =>
      `${update(mysql.format('REPLACE(??, ?, ?)', [pair.source, JSON_NUL_TEXT, '']), cond, params)} ` +
      `-- or make ${ctx.targetTable}.${pair.target} json (which keeps \\u0000)`,
  };
}
