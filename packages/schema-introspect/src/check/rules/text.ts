import { CONVERSION_TRAITS, quotePgIdent } from '@conv/core';
import { invalidUtf8Condition } from '../source-dialect.js';
import type { ColumnRule, ColumnScan } from './scan.js';

/** Characters (or bytes) of an offending value fetched per sample. */
export const SAMPLE_BYTES = 120;

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

const LENGTH_BOUND = ['text', 'enum', 'set-text', 'binary-text'];

/** Values arriving in PostgreSQL as text: longer than the target's length, a NUL byte, invalid UTF-8. */
export function textRules(scan: ColumnScan): ColumnRule[] {
  return [tooLong(scan), nulByte(scan), invalidUtf8(scan)].filter((r) => r !== null);
}

function tooLong({ pair, column, ctx, q, where, pgCol, shown }: ColumnScan): ColumnRule | null {
  const limit = pair.targetMaxLength;
  if (limit === null || !LENGTH_BOUND.includes(pair.conversion)) return null;
  if (column.charMaxLength !== null && column.charMaxLength <= limit) return null;
  const length =
    pair.conversion === 'binary-text' ? `CHAR_LENGTH(CONVERT(${q} USING utf8mb4))` : `CHAR_LENGTH(${q})`;
  return {
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
  };
}

/** A text-bound conversion of a binary, string or JSON source. */
function textBound({ pair, kind }: ColumnScan): boolean {
  return CONVERSION_TRAITS[pair.conversion].textBound && ['binary', 'string', 'json'].includes(kind);
}

function nulByte(scan: ColumnScan): ColumnRule | null {
  const { pair, column, ctx, q, kind, where } = scan;
  if (!textBound(scan) || column.dataType === 'json') return null;
  const bytes =
    kind === 'binary'
      ? q
      : BYTE_SAFE.has(column.charset ?? '')
        ? `CONVERT(${q} USING binary)`
        : `CONVERT(CONVERT(${q} USING utf8mb4) USING binary)`;
  return {
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
  };
}

// utf8/utf8mb4 columns are validated by the server on every write (MariaDB 10.11 stores '?' for an invalid
// sequence even in non-strict mode): only bytes from a binary column can be invalid UTF-8.
function invalidUtf8(scan: ColumnScan): ColumnRule | null {
  const { pair, ctx, q, kind, where, shown } = scan;
  if (!textBound(scan) || kind !== 'binary') return null;
  return {
    code: 'invalid-utf8',
    severity: 'error',
    condition: invalidUtf8Condition(q),
    params: [],
    value: shown,
    message: (n) =>
      `${n} value(s) of ${where} are not valid UTF-8, bound for text ${ctx.targetTable}.${pair.target}`,
    fix: () =>
      `profile transform "${ctx.tableName}.${pair.source}": {"kind":"base64"} -- or make ${ctx.targetTable}.${pair.target} bytea`,
  };
}
