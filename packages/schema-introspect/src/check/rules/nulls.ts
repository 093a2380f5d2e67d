import { quotePgIdent } from '@conv/core';
import type { ColumnRule, ColumnScan } from './scan.js';

/** NULLs bound for NOT NULL; a uuid-bound '' also becomes NULL. */
export function nullRules({
  pair,
  column,
  ctx,
  q,
  kind,
  where,
  pgCol,
  shown,
  update,
}: ColumnScan): ColumnRule[] {
  if (pair.targetNullable) return [];
  const parts: string[] = [];
  if (column.nullable) parts.push(`${q} IS NULL`);
  if (pair.conversion === 'uuid' && kind === 'string') parts.push(`${q} = ''`);
  if (parts.length === 0) return [];
  const cond = parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
  return [
    {
      code: 'null-into-not-null',
      severity: 'error',
      condition: cond,
      params: [],
      value: shown,
      message: (n) =>
        `${n} row(s) of ${where} are NULL${pair.conversion === 'uuid' ? " or ''" : ''}, ` +
        `bound for NOT NULL ${ctx.targetTable}.${pair.target}`,
      fix: () =>
        `${update('<value>', cond)}; -- or in PostgreSQL: ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} DROP NOT NULL`,
    },
  ];
}
