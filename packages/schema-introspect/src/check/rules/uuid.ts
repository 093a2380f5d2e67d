import mysql from 'mysql2/promise';
import { SWAPPED_UUID_EXPRESSION, swappedUuidCondition } from '../source-dialect.js';
import type { ColumnRule, ColumnScan } from './scan.js';

export const UUID_REGEXP = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** uuid targets: text that is no UUID, and binary UUIDs stored by MySQL 8's UUID_TO_BIN(uuid, 1). */
export function uuidRules({ pair, ctx, q, kind, where, shown, update }: ColumnScan): ColumnRule[] {
  if (pair.conversion !== 'uuid') return [];
  if (kind === 'string') {
    const cond = `${q} <> '' AND NOT (${q} REGEXP ?)`;
    return [
      {
        code: 'not-a-uuid',
        severity: 'error',
        condition: cond,
        params: [UUID_REGEXP],
        value: shown,
        message: (n) =>
          `${n} value(s) of ${where} are not UUIDs, bound for uuid ${ctx.targetTable}.${pair.target}`,
        fix: () =>
          pair.targetNullable
            ? update('NULL', cond, [UUID_REGEXP])
            : `${mysql.format(`DELETE FROM ${ctx.table} WHERE ${cond}`, [UUID_REGEXP])} -- or map the values to real UUIDs`,
      },
    ];
  }
  if (kind !== 'binary') return [];
  return [
    {
      code: 'uuid-swapped',
      severity: 'warning',
      condition: swappedUuidCondition(q),
      params: [],
      value: `LOWER(HEX(${q}))`,
      message: (n) =>
        `${n} value(s) of ${where} carry the UUID version in byte 0 instead of byte 6, as MySQL's ` +
        `UUID_TO_BIN(uuid, 1) writes them: loaded as they are they become different UUIDs in ${ctx.targetTable}.${pair.target}`,
      fix: () =>
        `profile transform "${ctx.tableName}.${pair.source}": ${JSON.stringify({ kind: 'sql', expression: SWAPPED_UUID_EXPRESSION })} ` +
        '-- the same as BIN_TO_UUID({{value}}, 1), which MySQL 8 has and MariaDB lacks',
    },
  ];
}
