import type { ColumnPair, Finding, SourceColumn, TargetColumn } from '@conv/core';
import { CONVERSION_TRAITS, quoteMysqlIdent, quotePgIdent } from '@conv/core';
import mysql from 'mysql2/promise';
import { sourceKind } from '../conversions.js';
import { mysqlIntRange, PG_INT_RANGES } from './ranges.js';
import { sequenceHeadroomRule } from './sequence-headroom.js';
import {
  invalidUtf8Condition,
  SWAPPED_UUID_EXPRESSION,
  swappedUuidCondition,
  zeroDateReplacement,
} from './source-dialect.js';
import { valueBoundRules } from './value-bounds.js';

/** One kind of dirty value in one column, as a SQL condition evaluated on the source rows. */
export interface ScanRule {
  code: string;
  severity: Finding['severity'];
  column: string;
  /** MySQL boolean expression over the row; `?` placeholders filled from `params`. */
  condition: string;
  params: string[];
  /** Expression of the offending value shown in samples. */
  value: string;
  /**
   * Counted by its own `SELECT COUNT(*) … WHERE condition` instead of a SUM(CASE) in the shared pass: MariaDB
   * turns a standalone NOT EXISTS into an anti-join, but runs it row by row inside SUM(CASE) (measured 3x slower).
   */
  standalone?: boolean;
  /** Extra aggregate reported with the count (e.g. the longest length). */
  measure?: string;
  message(count: number, measure: string | null): string;
  fix(measure: string | null): string | null;
}

export const UUID_REGEXP = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** `\u0000` preceded by an even number of backslashes (an escaped backslash before `u0000` is harmless). */
export const JSON_NUL_REGEXP = '(^|[^\\\\])(\\\\\\\\)*\\\\u0000';
const JSON_NUL_TEXT = '\\u0000';
/** Characters (or bytes) of an offending value fetched per sample. */
const SAMPLE_BYTES = 120;

/** Charsets whose bytes are ASCII-compatible: a 0x00 byte is the NUL character itself. */
const BYTE_SAFE = new Set([
  'utf8',
  'utf8mb3',
  'utf8mb4',
  'latin1',
  'latin2',
  'ascii',
  'cp1250',
  'cp1251',
  'cp1252',
]);

export interface RuleContext {
  /** Quoted, database-qualified source table. */
  table: string;
  tableName: string;
  targetTable: string;
  targetSchema: string;
}

/**
 * The scan rules of a column with a profile transform, run on the transformed value (the export's SELECT
 * expression `expression`, written for the table alias `src`; the scan's alias is `c`): a lookup that
 * finds nothing leaves the original value, which must still suit the target. Fixes point at the source
 * rows or the transform, not at an UPDATE of the expression.
 */
export function transformedRules(
  pair: ColumnPair,
  column: SourceColumn,
  target: TargetColumn,
  ctx: RuleContext,
  expression: string,
): ScanRule[] {
  const value = `(${expression.replaceAll(`${quoteMysqlIdent('src')}.`, 'c.')})`;
  const asText: SourceColumn = {
    ...column,
    nullable: true,
    dataType: 'longtext',
    columnType: 'longtext',
    charMaxLength: null,
  };
  return rulesFor({ ...pair, transform: null }, asText, target, ctx, value).map((r) => ({
    ...r,
    message: (n, m) => `${r.message(n, m)} (after the profile transform)`,
    fix: () =>
      `fix those rows of ${ctx.tableName} in MySQL, or the profile transform "${ctx.tableName}.${pair.source}"`,
  }));
}

/** The scan rules for one planned column pair (`value`: the expression scanned, default the column). */
export function rulesFor(
  pair: ColumnPair,
  column: SourceColumn,
  target: TargetColumn,
  ctx: RuleContext,
  value?: string,
): ScanRule[] {
  if (pair.transform) return []; // the exported value is the transform's, not the column's
  const q = value ?? quoteMysqlIdent(pair.source);
  const kind = sourceKind(column);
  const where = `${ctx.tableName}.${pair.source}`;
  const pgCol = `${quotePgIdent(ctx.targetSchema)}.${quotePgIdent(ctx.targetTable)}`;
  // Sample values as text made by the server (a 64-bit integer never passes through a JS number), cut to a
  // prefix there: a sample of a 1 GB longtext must not travel whole.
  const shown =
    kind === 'binary' ? `LEFT(${q}, ${SAMPLE_BYTES})` : `LEFT(CAST(${q} AS CHAR), ${SAMPLE_BYTES})`;
  const rules: ScanRule[] = [];
  const rule = (r: Omit<ScanRule, 'column'>) => rules.push({ column: pair.source, ...r });
  const update = (set: string, cond: string, params: string[] = []) =>
    mysql.format(`UPDATE ${ctx.table} SET ${q} = ${set} WHERE ${cond}`, params);

  // NULLs bound for NOT NULL; a uuid-bound '' also becomes NULL.
  if (!pair.targetNullable) {
    const parts: string[] = [];
    if (column.nullable) parts.push(`${q} IS NULL`);
    if (pair.conversion === 'uuid' && kind === 'string') parts.push(`${q} = ''`);
    if (parts.length > 0) {
      const cond = parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
      rule({
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
      });
    }
  }

  if (pair.conversion === 'uuid' && kind === 'string') {
    const cond = `${q} <> '' AND NOT (${q} REGEXP ?)`;
    rule({
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
    });
  }

  if (pair.conversion === 'uuid' && kind === 'binary') {
    const cond = swappedUuidCondition(q);
    rule({
      code: 'uuid-swapped',
      severity: 'warning',
      condition: cond,
      params: [],
      value: `LOWER(HEX(${q}))`,
      message: (n) =>
        `${n} value(s) of ${where} carry the UUID version in byte 0 instead of byte 6, as MySQL's ` +
        `UUID_TO_BIN(uuid, 1) writes them: loaded as they are they become different UUIDs in ${ctx.targetTable}.${pair.target}`,
      fix: () =>
        `profile transform "${ctx.tableName}.${pair.source}": ${JSON.stringify({ kind: 'sql', expression: SWAPPED_UUID_EXPRESSION })} ` +
        '-- the same as BIN_TO_UUID({{value}}, 1), which MySQL 8 has and MariaDB lacks',
    });
  }

  if (
    (pair.conversion === 'timestamp' || pair.conversion === 'date') &&
    (kind === 'date' || kind === 'datetime')
  ) {
    const c = `CAST(${q} AS CHAR)`;
    // YEAR/MONTH/DAYOFMONTH return 0 for the zero parts (measured: as cheap as reading the column; the
    // string test on CAST(… AS CHAR) cost twice as much).
    const cond = `(YEAR(${q}) = 0 OR MONTH(${q}) = 0 OR DAYOFMONTH(${q}) = 0)`;
    rule({
      code: 'zero-date',
      severity: pair.targetNullable ? 'warning' : 'error',
      condition: cond,
      params: [],
      value: c,
      message: (n) =>
        pair.targetNullable
          ? `${n} zero date(s) in ${where}: loaded as NULL`
          : `${n} zero date(s) in ${where}, bound for NOT NULL ${ctx.targetTable}.${pair.target}: the load would fail`,
      fix: () => update(pair.targetNullable ? 'NULL' : zeroDateReplacement(column), cond),
    });
  }

  if (pair.conversion === 'boolean' && kind === 'integer') {
    const cond = `${q} NOT IN (0, 1)`;
    rule({
      code: 'not-a-boolean',
      severity: 'error',
      condition: cond,
      params: [],
      value: shown,
      message: (n) =>
        `${n} value(s) of ${where} are neither 0 nor 1, bound for boolean ${ctx.targetTable}.${pair.target}`,
      fix: () =>
        `profile transform "${ctx.tableName}.${pair.source}": {"kind":"sql","expression":"({{value}} <> 0)"} -- or ${update('1', cond)}`,
    });
  }

  if (
    pair.targetMaxLength !== null &&
    ['text', 'enum', 'set-text', 'binary-text'].includes(pair.conversion)
  ) {
    const limit = pair.targetMaxLength;
    const length =
      pair.conversion === 'binary-text' ? `CHAR_LENGTH(CONVERT(${q} USING utf8mb4))` : `CHAR_LENGTH(${q})`;
    if (column.charMaxLength === null || column.charMaxLength > limit) {
      rule({
        code: 'too-long',
        severity: 'error',
        condition: `${length} > ${limit}`,
        params: [],
        value: shown,
        measure: length,
        message: (n, longest) =>
          `${n} value(s) of ${where} are longer than ${limit} characters (longest ${longest}), ` +
          `bound for ${pair.targetType} ${ctx.targetTable}.${pair.target}`,
        fix: (longest) =>
          `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE varchar(${longest ?? limit}) -- in PostgreSQL; ` +
          `or truncate: profile transform "${ctx.tableName}.${pair.source}": {"kind":"sql","expression":"LEFT({{value}}, ${limit})"}`,
      });
    }
  }

  const textBound = CONVERSION_TRAITS[pair.conversion].textBound;
  if (
    textBound &&
    (kind === 'binary' || (kind === 'string' && column.dataType !== 'json') || kind === 'json')
  ) {
    if (column.dataType !== 'json') {
      const bytes =
        kind === 'binary'
          ? q
          : BYTE_SAFE.has(column.charset ?? '')
            ? `CONVERT(${q} USING binary)`
            : `CONVERT(CONVERT(${q} USING utf8mb4) USING binary)`;
      rule({
        code: 'nul-byte',
        severity: 'error',
        condition: `INSTR(${bytes}, X'00') > 0`,
        params: [],
        // The bytes around the first NUL, wherever it is in the value.
        value: `SUBSTRING(${bytes}, GREATEST(1, INSTR(${bytes}, X'00') - 16), 48)`,
        message: (n) => `${n} value(s) of ${where} contain a 0x00 byte: PostgreSQL text cannot hold it`,
        fix: () =>
          kind === 'binary'
            ? `profile transform "${ctx.tableName}.${pair.source}": {"kind":"base64"} -- or make ${ctx.targetTable}.${pair.target} bytea`
            : `profile transform "${ctx.tableName}.${pair.source}": {"kind":"sql","expression":"REPLACE({{value}}, CHAR(0), '')"}`,
      });
    }
    // utf8/utf8mb4 columns are validated by the server on every write (MariaDB 10.11 stores '?' for an invalid
    // sequence even in non-strict mode): only bytes from a binary column can be invalid UTF-8.
    if (kind === 'binary') {
      rule({
        code: 'invalid-utf8',
        severity: 'error',
        condition: invalidUtf8Condition(q),
        params: [],
        value: shown,
        message: (n) =>
          `${n} value(s) of ${where} are not valid UTF-8, bound for text ${ctx.targetTable}.${pair.target}`,
        fix: () =>
          `profile transform "${ctx.tableName}.${pair.source}": {"kind":"base64"} -- or make ${ctx.targetTable}.${pair.target} bytea`,
      });
    }
  }

  if ((pair.conversion === 'json' || pair.conversion === 'jsonb') && column.dataType !== 'json') {
    const cond = `${q} IS NOT NULL AND NOT JSON_VALID(${q})`;
    rule({
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
    });
  }

  if (pair.conversion === 'jsonb') {
    const cond = `LOCATE(?, ${q}) > 0 AND ${q} REGEXP ?`;
    rule({
      code: 'jsonb-nul',
      severity: 'error',
      condition: cond,
      params: [JSON_NUL_TEXT, JSON_NUL_REGEXP],
      value: shown,
      message: (n) =>
        `${n} JSON value(s) of ${where} contain \\u0000, which jsonb ${ctx.targetTable}.${pair.target} rejects`,
      fix: () =>
        `${update(mysql.format('REPLACE(??, ?, ?)', [pair.source, JSON_NUL_TEXT, '']), cond, [JSON_NUL_TEXT, JSON_NUL_REGEXP])} ` +
        `-- or make ${ctx.targetTable}.${pair.target} json (which keeps \\u0000)`,
    });
  }

  const targetRange = PG_INT_RANGES[pair.targetBaseType];
  if (
    targetRange &&
    (pair.conversion === 'integer' || pair.conversion === 'numeric' || pair.conversion === 'year')
  ) {
    const sourceRange = mysqlIntRange(column.dataType, column.unsigned);
    const mayOverflow =
      !sourceRange || sourceRange.min < targetRange.min || sourceRange.max > targetRange.max;
    if (mayOverflow) {
      const cond = `(${q} < ${targetRange.min} OR ${q} > ${targetRange.max})`;
      rule({
        code: 'out-of-range',
        severity: 'error',
        condition: cond,
        params: [],
        value: shown,
        message: (n) =>
          `${n} value(s) of ${where} (${column.columnType}) are outside the range of ${pair.targetType} ${ctx.targetTable}.${pair.target}`,
        fix: () =>
          `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE ${pair.targetBaseType === 'int8' ? 'numeric(20,0)' : 'bigint'} -- in PostgreSQL`,
      });
    }
  }

  if (
    (pair.conversion === 'numeric' || pair.conversion === 'integer') &&
    pair.targetBaseType === 'numeric' &&
    target.numericPrecision !== null
  ) {
    const p = target.numericPrecision;
    const scale = target.numericScale ?? 0;
    const intDigits = p - scale;
    const intRange = mysqlIntRange(column.dataType, column.unsigned);
    const sourceIntDigits = intRange
      ? String(intRange.max).length
      : kind === 'decimal' && column.numericPrecision !== null
        ? column.numericPrecision - (column.numericScale ?? 0)
        : null;
    if (sourceIntDigits === null || sourceIntDigits > intDigits) {
      // An exact decimal literal: 10^(p-s) is the first absolute value numeric(p,s) cannot hold.
      const bound = `1${'0'.repeat(Math.max(0, intDigits))}`;
      rule({
        code: 'out-of-range',
        severity: 'error',
        condition: `ABS(${q}) >= ${bound}`,
        params: [],
        value: shown,
        message: (n) =>
          `${n} value(s) of ${where} (${column.columnType}) do not fit ${pair.targetType} ${ctx.targetTable}.${pair.target}`,
        fix: () =>
          `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE numeric -- in PostgreSQL`,
      });
    }
    const sourceScale = kind === 'decimal' ? (column.numericScale ?? 0) : kind === 'integer' ? 0 : null;
    if (sourceScale === null || sourceScale > scale) {
      rule({
        code: 'numeric-rounded',
        severity: 'warning',
        condition: `${q} <> ROUND(${q}, ${scale})`,
        params: [],
        value: shown,
        message: (n) =>
          `${n} value(s) of ${where} have more than ${scale} decimal(s): PostgreSQL rounds them in ${pair.targetType}`,
        fix: () =>
          `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE numeric -- in PostgreSQL`,
      });
    }
  }

  if (
    pair.conversion === 'timestamp' &&
    target.datetimePrecision !== null &&
    target.datetimePrecision < 6 &&
    (column.datetimePrecision ?? 0) > target.datetimePrecision
  ) {
    const divisor = 10 ** (6 - target.datetimePrecision);
    rule({
      code: 'fraction-rounded',
      severity: 'warning',
      condition: `MOD(MICROSECOND(${q}), ${divisor}) <> 0`,
      params: [],
      value: `CAST(${q} AS CHAR)`,
      message: (n) =>
        `${n} value(s) of ${where} carry more fractional digits than ${pair.targetType}: PostgreSQL rounds them`,
      fix: () =>
        `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE timestamp(${column.datetimePrecision}) -- in PostgreSQL`,
    });
  }

  if (pair.conversion === 'enum' && pair.targetEnumLabels) {
    const labels = pair.targetEnumLabels;
    // Binary comparison: MySQL's _ci collations would accept 'Active' for the label 'active'; PostgreSQL does not.
    const cond =
      labels.length > 0
        ? `${q} IS NOT NULL AND CAST(${q} AS BINARY) NOT IN (${labels.map(() => '?').join(', ')})`
        : `${q} IS NOT NULL`;
    rule({
      code: 'unknown-enum-label',
      severity: 'error',
      condition: cond,
      params: labels,
      value: shown,
      message: (n) =>
        `${n} value(s) of ${where} are not labels of ${pair.targetType} (${ctx.targetTable}.${pair.target})`,
      fix: () =>
        `ALTER TYPE ${quotePgIdent(pair.targetBaseType)} ADD VALUE '<label>' -- in PostgreSQL, per missing label; or ${update('<label>', cond, labels)}`,
    });
  }

  if (pair.conversion === 'time') {
    const cond = `(${q} < '00:00:00' OR ${q} > '24:00:00')`;
    rule({
      code: 'time-out-of-range',
      severity: 'error',
      condition: cond,
      params: [],
      value: `CAST(${q} AS CHAR)`,
      message: (n) =>
        `${n} value(s) of ${where} lie outside 00:00..24:00, bound for time ${ctx.targetTable}.${pair.target}`,
      fix: () =>
        `ALTER TABLE ${pgCol} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE interval -- in PostgreSQL`,
    });
  }
  const headroom = sequenceHeadroomRule(pair, target, ctx, q, shown);
  if (headroom) rule(headroom);
  rules.push(...valueBoundRules(pair, column, ctx));
  return rules;
}
