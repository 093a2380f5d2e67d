import { quotePgIdent } from '@conv/core';
import { PG_INT_RANGES } from '../ranges.js';
import type { ColumnRule, ColumnScan } from './scan.js';

/**
 * A serial/identity target column whose sequence would have to restart past its type's maximum: the load
 * restarts it at max + 1, so a source value equal to the maximum (32767 for a smallint identity) makes
 * the final step fail after every row was copied. Reported before anything is written. The bound is the
 * column type's (what serial and identity sequences get unless created with their own MAXVALUE).
 */
export function sequenceHeadroomRules({ pair, target, ctx, q, shown, pgCol }: ColumnScan): ColumnRule[] {
  const range = PG_INT_RANGES[target.baseType];
  if (!target.sequence || !range) return [];
  const wider = target.baseType === 'int2' ? 'integer' : 'bigint';
  const rule: ColumnRule = {
    code: 'sequence-overflow',
    severity: 'error',
    condition: `${q} >= ${range.max}`,
    params: [],
    value: shown,
    message: () =>
      `${ctx.tableName}.${pair.source} reaches ${range.max}, the maximum of ${target.formattedType} ${ctx.targetTable}.${pair.target}: ` +
      `its sequence ${target.sequence} cannot restart at the next value`,
    fix: () =>
      target.baseType === 'int8'
        ? null
        : `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE ${wider} -- in PostgreSQL (and its sequence: ALTER SEQUENCE ${target.sequence} AS ${wider})`,
  };
  return [rule];
}
