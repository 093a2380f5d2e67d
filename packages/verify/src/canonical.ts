import type { ColumnPair } from '@conv/core';
import { CONVERSION_TRAITS, quotePgIdent } from '@conv/core';
import { isSpatialType, mysqlDouble, selectExpressionFor } from '@conv/mysql-export';
import { pgFloatCanonical } from './pg-float-text.js';

/**
 * The canonical text of a value, written as SQL for each engine so that both print the same bytes for
 * the same value (NULL stays NULL):
 *
 * | conversion | canonical text |
 * |---|---|
 * | text, enum, set-text, binary-text, json | the text itself (UTF-8) |
 * | uuid | lower-case `8-4-4-4-12`; source `''` is NULL (the documented rule) |
 * | boolean | `t` / `f` |
 * | integer, year, numeric (decimal) | as the server prints it (`1.50`) |
 * | float/double on either side | `[-]<significant digits>e<exponent>` of the shortest round-trip text |
 * | timestamp | `YYYY-MM-DD HH:MI:SS.ffffff` (always 6 digits; timestamptz in UTC); zero dates NULL |
 * | date | `YYYY-MM-DD`; zero dates NULL |
 * | time | `HH:MI:SS.ffffff` |
 * | interval | total microseconds |
 * | set-array | elements joined by `,` |
 * | bytea | lower-case hex |
 * | bit | `0`/`1` digits, the column's width |
 * | jsonb | hashed separately: PostgreSQL's own `jsonb` text of the value on both sides |
 *
 * On the MySQL side the value is first the export's SELECT expression (profile transforms applied, FLOAT
 * widened), from `@conv/mysql-export`, so verify sees exactly what the export wrote.
 */

const BINARY_SOURCE = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
/** Spatial columns are exported as WKB bytes (`@conv/mysql-export` mysqlSpatialWkb): compared as bytes too. */
const isSpatial = (pair: ColumnPair) => isSpatialType(pair.sourceDataType);
const FLOAT_TYPES = new Set(['float', 'double', 'real', 'double precision', 'float4', 'float8']);

/**
 * MySQL/MariaDB's text of `expr` as utf8mb4 (for text-like values, whatever the column's charset). The
 * fixed-format expressions print ASCII in the connection character set, utf8mb4 too (SET NAMES): CONCAT
 * never mixes charsets.
 */
const utf8 = (expr: string) => `CONVERT(${expr} USING utf8mb4)`;

/**
 * Conversions whose canonical text is ASCII without `,` and never `~` (digits, hex, dates, `t`/`f`): in a
 * row text they need no length prefix, which halves the work MySQL does per value. Text-like values
 * (and anything a profile transform produced) are length-prefixed.
 */
export function isFixedFormat(pair: ColumnPair): boolean {
  return pair.transform === null && CONVERSION_TRAITS[pair.conversion].fixedFormat;
}

export function isJsonb(pair: ColumnPair): boolean {
  return pair.conversion === 'jsonb';
}

function isFloat(pair: ColumnPair): boolean {
  return (
    pair.conversion === 'float' ||
    FLOAT_TYPES.has(pair.sourceDataType.toLowerCase()) ||
    FLOAT_TYPES.has(pair.targetBaseType.toLowerCase())
  );
}

/** Whether the export carries the source bytes as they are (no character set conversion). */
function binarySource(pair: ColumnPair): boolean {
  return (BINARY_SOURCE.has(pair.sourceDataType.toLowerCase()) || isSpatial(pair)) && pair.transform === null;
}

function bitWidth(pair: ColumnPair): number {
  return Number(/\((\d+)\)/.exec(pair.sourceType)?.[1] ?? '1');
}

/** Zero dates (and partial zeros) are exported as NULL. */
function mysqlNonZeroDate(x: string, then: string): string {
  return `CASE WHEN YEAR(${x}) = 0 OR MONTH(${x}) = 0 OR DAYOFMONTH(${x}) = 0 THEN NULL ELSE ${then} END`;
}

/**
 * Canonical text of a column on the MySQL side (`src` is the table alias of the export query).
 * `utf8mb4Stored`: source columns whose stored bytes are utf8mb4 already; read as they are, since
 * `CONVERT(… USING utf8mb4)` copies the value even then (on a 3 KB text it was 2/3 of building the row
 * text, README "Why SHA-256").
 */
export function mysqlCanonical(
  pair: ColumnPair,
  database?: string,
  utf8mb4Stored: ReadonlySet<string> = new Set(),
): string {
  const x = selectExpressionFor(pair, database);
  const text = (e: string) => (pair.transform === null && utf8mb4Stored.has(pair.source) ? e : utf8(e));
  if (isFloat(pair) && pair.transform === null) {
    // The value as a double; a DOUBLE column is that already (selectExpressionFor selects it as text).
    const value =
      pair.sourceDataType === 'double'
        ? selectExpressionFor({ ...pair, sourceDataType: 'decimal' }, database)
        : mysqlDouble(x);
    return mysqlFloatCanonical(value);
  }
  switch (pair.conversion) {
    case 'uuid':
      if (binarySource(pair) && pair.sourceType.toLowerCase().startsWith('binary')) {
        const h = `LOWER(HEX(${x}))`;
        // CONCAT_WS skips NULL arguments: a NULL value would print '' (and differ from PostgreSQL's NULL).
        return `CASE WHEN ${x} IS NULL THEN NULL ELSE CONCAT_WS('-', SUBSTRING(${h},1,8), SUBSTRING(${h},9,4), SUBSTRING(${h},13,4), SUBSTRING(${h},17,4), SUBSTRING(${h},21,12)) END`;
      }
      return `LOWER(NULLIF(CAST(${x} AS CHAR), ''))`;
    case 'boolean':
      return `CASE ${x} + 0 WHEN 0 THEN 'f' WHEN 1 THEN 't' ELSE CONCAT('?', ${x} + 0) END`;
    case 'year':
      // MySQL prints YEAR 0 as `0000`; the loaded number prints `0`.
      return `CAST(${x} + 0 AS CHAR)`;
    case 'integer':
    case 'numeric':
      return `CAST(${x} AS CHAR)`;
    case 'timestamp':
      return mysqlNonZeroDate(x, `DATE_FORMAT(${x}, '%Y-%m-%d %H:%i:%s.%f')`);
    case 'date':
      return mysqlNonZeroDate(x, `DATE_FORMAT(${x}, '%Y-%m-%d')`);
    case 'time':
      return `TIME_FORMAT(${x}, '%H:%i:%s.%f')`;
    case 'interval':
      return `CAST(IF(${x} < TIME '00:00:00', -1, 1) * ((HOUR(${x}) * 3600 + MINUTE(${x}) * 60 + SECOND(${x})) * 1000000 + MICROSECOND(${x})) AS CHAR)`;
    case 'bytea':
      return `LOWER(HEX(${binarySource(pair) ? x : text(x)}))`;
    case 'bit':
      return `LPAD(RIGHT(BIN(${x} + 0), ${bitWidth(pair)}), ${bitWidth(pair)}, '0')`;
    case 'set-array':
    case 'text':
    case 'enum':
    case 'set-text':
    case 'binary-text':
    case 'json':
    case 'jsonb':
    case 'float':
      return text(x);
  }
}

/** Canonical text of a column on the PostgreSQL side. */
export function pgCanonical(pair: ColumnPair): string {
  const c = quotePgIdent(pair.target);
  if (isFloat(pair)) {
    if (pair.targetBaseType.toLowerCase() === 'float8') return pgFloatCanonical(c);
    // Through float8 also for a numeric target, which holds the text JavaScript printed for the double:
    // converted once per value, the canonical form reads the double several times.
    return `(SELECT ${pgFloatCanonical('v')} FROM (SELECT ${c}::float8 AS v OFFSET 0) f)`;
  }
  const base = pair.targetBaseType.toLowerCase();
  switch (pair.conversion) {
    case 'boolean':
      return `CASE ${c} WHEN true THEN 't' WHEN false THEN 'f' END`;
    case 'timestamp':
      return base === 'timestamptz'
        ? `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
        : `to_char(${c}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'date':
      return `to_char(${c}, 'YYYY-MM-DD')`;
    case 'time':
      return `to_char(${c}::interval, 'HH24:MI:SS.US')`;
    case 'interval':
      return `(extract(epoch from ${c}) * 1000000)::bigint::text`;
    case 'set-array':
      return `array_to_string(${c}, ',')`;
    case 'bytea':
      return `encode(${c}, 'hex')`;
    default:
      return `${c}::text`;
  }
}

/**
 * Both engines print a double with its shortest round-trip digits, but in different notations
 * (MariaDB `-0.00000025`, `1e20`; PostgreSQL `-2.5e-07`, `1e+20`). The canonical form keeps the digits
 * and the exponent of the first one: `-25e-7` → `-25e-7`, `1e+20` → `1e20`, `123456.789` → `123456789e5`.
 * Here of the server's text of a double, printed as few times as the form allows (three from 1 up, five
 * below; it was a dozen, and the printing dominates verify's cost on MySQL). Sign, zero and NULL come from
 * the number; the exponent of the first digit is the text's exponent (0 when it has none) plus the digits
 * before the point, less one, less the leading zeros (`0.00025`).
 */
function mysqlFloatCanonical(value: string): string {
  const text = `CAST(${value} AS CHAR)`;
  const mantissa = `SUBSTRING_INDEX(${text}, 'e', 1)`;
  const digits = (m: string) => `REPLACE(REPLACE(${m}, '.', ''), '-', '')`;
  const exp = `CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(CONCAT(${text}, 'e0'), 'e', 2), 'e', -1) AS SIGNED)`;
  const intLen = `(LOCATE('.', CONCAT(${mantissa}, '.')) - 1 - (${value} < 0))`;
  // Leading zeros only below 1 (`0.00025`); from 1 up, or in exponent form, the first digit is not 0.
  const leadingZeros = `IF(ABS(${value}) < 1, CHAR_LENGTH(${digits(mantissa)}) - CHAR_LENGTH(TRIM(LEADING '0' FROM ${digits(mantissa)})), 0)`;
  const significant = `TRIM(BOTH '0' FROM ${digits(mantissa)})`;
  const exponent = `CAST(${exp} + ${intLen} - 1 - ${leadingZeros} AS CHAR)`;
  return (
    `CASE WHEN ${value} IS NULL THEN NULL WHEN ${value} = 0 THEN '0' ` +
    `ELSE CONCAT(IF(${value} < 0, '-', ''), ${significant}, 'e', ${exponent}) END`
  );
}
