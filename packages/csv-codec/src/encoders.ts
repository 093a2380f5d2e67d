import { isUtf8 } from 'node:buffer';
import type { ColumnPair, Conversion } from '@conv/core';
import { CONVERSION_TRAITS } from '@conv/core';
import { dataError, preview } from './errors.js';

/**
 * Turns one value as mysql2 delivers it (string, number, Buffer or null; dates, decimals and 64-bit
 * integers as strings) into the text PostgreSQL reads for the target column, before CSV quoting.
 * `null` means SQL NULL. Throws a ConvError (code `data.value`) naming the column when the value cannot
 * be carried without damage.
 */
export type Encoder = (value: unknown) => string | null;

export function needsCsvQuoting(conversion: Conversion): boolean {
  return !CONVERSION_TRAITS[conversion].csvNeverQuoted;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INTEGER_RE = /^-?[0-9]+$/;
const NUMBER_RE = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

const INT_LIMITS: Record<string, { min: bigint; max: bigint }> = {
  int2: { min: -32768n, max: 32767n },
  int4: { min: -2147483648n, max: 2147483647n },
  int8: { min: -9223372036854775808n, max: 9223372036854775807n },
};

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) throw new TypeError('dates must arrive as strings (mysql2 dateStrings: true)');
  return String(value);
}

export function encoderFor(pair: ColumnPair): Encoder {
  const column = pair.source;
  const make = ENCODERS[pair.conversion];
  if (!make) throw new TypeError(`no encoder for conversion ${pair.conversion} (column ${column})`);
  return make(pair, column);
}

type EncoderFactory = (pair: ColumnPair, column: string) => Encoder;

/** PostgreSQL text cannot hold 0x00. */
function noNul(column: string, text: string): string {
  if (text.indexOf('\u0000') !== -1) {
    throw dataError(
      column,
      `text contains a 0x00 byte, which PostgreSQL text cannot store: ${preview(text)}`,
      'clean the value in MySQL or add a transform (e.g. base64) for this column in the profile',
    );
  }
  return text;
}

const text: EncoderFactory = (_pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return noNul(column, value);
  if (Buffer.isBuffer(value)) return binaryText(column, value);
  return asText(value);
};

function binaryText(column: string, bytes: Buffer): string {
  if (!isUtf8(bytes)) {
    throw dataError(
      column,
      `bytes are not valid UTF-8 for a text column: ${preview(bytes)}`,
      'make the target column bytea, or add a base64 transform for this column in the profile',
    );
  }
  return noNul(column, bytes.toString('utf8'));
}

const binaryTextEncoder: EncoderFactory = (_pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return binaryText(column, value);
  return noNul(column, asText(value));
};

const uuid: EncoderFactory = (_pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    // binary(16) holding the 16 bytes of a UUID.
    if (value.length !== 16) throw dataError(column, `${preview(value)} is not a 16-byte UUID`);
    const h = value.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const s = asText(value);
  if (s === '') return null; // documented rule: '' in a uuid-bound column means "no value"
  if (!UUID_RE.test(s)) {
    throw dataError(
      column,
      `${preview(s)} is not a UUID`,
      'fix or clear the value in MySQL before migrating',
    );
  }
  return s;
};

const boolean: EncoderFactory = (_pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  let n: unknown = value;
  if (Buffer.isBuffer(value)) n = value.length === 1 ? value[0] : -1; // bit(1)
  if (n === 0 || n === '0') return 'f';
  if (n === 1 || n === '1') return 't';
  throw dataError(
    column,
    `${preview(value)} is neither 0 nor 1 for a boolean target`,
    'fix the value in MySQL (only 0 and 1 map to false/true)',
  );
};

const integer: EncoderFactory = (pair, column) => {
  const limits = INT_LIMITS[pair.targetBaseType];
  return (value) => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw dataError(column, `${preview(value)} is not an integer`);
      if (limits && (value > Number(limits.max) || value < Number(limits.min))) {
        throw dataError(column, `${value} is out of range for ${pair.targetType}`);
      }
      return String(value);
    }
    const s = asText(value);
    if (!INTEGER_RE.test(s)) throw dataError(column, `${preview(s)} is not an integer`);
    if (limits && s.length >= 5) {
      const big = BigInt(s);
      if (big > limits.max || big < limits.min) {
        throw dataError(
          column,
          `${s} is out of range for ${pair.targetType}`,
          'make the target column numeric (or bigint for int columns) to hold it',
        );
      }
    }
    return s;
  };
};

const numeric: EncoderFactory = (_pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  // DOUBLE arrives as a JS number: String() is the shortest text that reads back to the same double.
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw dataError(column, `${value} is not a finite number`);
    return Object.is(value, -0) ? '-0' : String(value); // String(-0) is '0'
  }
  const s = asText(value);
  if (!NUMBER_RE.test(s)) throw dataError(column, `${preview(s)} is not a number`);
  return s;
};

function isZeroDate(s: string): boolean {
  // 0000-00-00, and partial zeros such as 2020-00-15 or 0000-03-01 (PostgreSQL has no year 0).
  return (
    s.startsWith('0000') ||
    (s.charCodeAt(5) === 48 && s.charCodeAt(6) === 48) ||
    (s.charCodeAt(8) === 48 && s.charCodeAt(9) === 48)
  );
}

const DATE_TIME_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?)?$/;

function dateLike(pair: ColumnPair, column: string, suffix: string): Encoder {
  return (value) => {
    if (value === null || value === undefined) return null;
    const s = asText(value);
    if (!DATE_TIME_RE.test(s)) throw dataError(column, `${preview(s)} is not a MySQL date/time`);
    if (isZeroDate(s)) {
      if (pair.targetNullable) return null;
      throw dataError(
        column,
        `zero date ${s} cannot go into NOT NULL ${pair.targetType}`,
        'set a real date in MySQL, or make the target column nullable',
      );
    }
    return suffix ? s + suffix : s;
  };
}

// The session time zone is +00:00, so TIMESTAMP values arrive in UTC: say so for timestamptz targets,
// whatever the PostgreSQL session's TimeZone is.
const timestamp: EncoderFactory = (pair, column) =>
  dateLike(pair, column, pair.targetBaseType === 'timestamptz' ? '+00' : '');
const date: EncoderFactory = (pair, column) => dateLike(pair, column, '');

const TIME_RE = /^(-?)([0-9]{2,3}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?$/;

const time: EncoderFactory = (pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  const s = asText(value);
  const m = TIME_RE.exec(s);
  if (!m) throw dataError(column, `${preview(s)} is not a MySQL time`);
  const hours = Number(m[2]);
  const beyondMidnight = hours > 24 || (hours === 24 && !/^24:00:00(\.0*)?$/.test(s));
  if (m[1] === '-' || beyondMidnight) {
    throw dataError(
      column,
      `${s} lies outside 00:00:00..24:00:00 and cannot go into ${pair.targetType}`,
      'make the target column interval, or fix the value in MySQL',
    );
  }
  return s;
};

const interval: EncoderFactory = (_pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  const s = asText(value);
  if (!TIME_RE.test(s)) throw dataError(column, `${preview(s)} is not a MySQL time`);
  return s;
};

const year: EncoderFactory = (_pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  const s = asText(value);
  if (!INTEGER_RE.test(s)) throw dataError(column, `${preview(s)} is not a year`);
  return s;
};

function jsonEncoder(jsonb: boolean): EncoderFactory {
  return (pair, column) => (value) => {
    if (value === null || value === undefined) return null;
    const s = Buffer.isBuffer(value) ? binaryText(column, value) : asText(value);
    try {
      JSON.parse(s);
    } catch {
      throw dataError(column, `invalid JSON for ${pair.targetType}: ${preview(s)}`, 'fix the value in MySQL');
    }
    if (jsonb && s.includes('\\u0000')) {
      throw dataError(
        column,
        `JSON contains \\u0000, which jsonb cannot store: ${preview(s)}`,
        'make the target column json (not jsonb), or clean the value in MySQL',
      );
    }
    return noNul(column, s);
  };
}

const enumEncoder: EncoderFactory = (pair, column) => {
  const labels = pair.targetEnumLabels ? new Set(pair.targetEnumLabels) : null;
  return (value) => {
    if (value === null || value === undefined) return null;
    const s = asText(value);
    if (labels && !labels.has(s)) {
      throw dataError(
        column,
        `${preview(s)} is not a label of ${pair.targetType} (${[...labels].join(', ')})`,
        s === ''
          ? "MySQL stores '' for invalid enum values: fix them in MySQL"
          : 'add the label or fix the value',
      );
    }
    return noNul(column, s);
  };
};

/** One element of a PostgreSQL array literal, quoted when the array parser would otherwise misread it. */
export function pgArrayElement(element: string): string {
  if (element === '' || /^null$/i.test(element) || /[{}",\\\s]/.test(element)) {
    return `"${element.replace(/[\\"]/g, '\\$&')}"`;
  }
  return element;
}

const setArray: EncoderFactory = (_pair, column) => (value) => {
  if (value === null || value === undefined) return null;
  const s = noNul(column, asText(value));
  if (s === '') return '{}';
  return `{${s.split(',').map(pgArrayElement).join(',')}}`;
};

const bytea: EncoderFactory = () => (value) => {
  if (value === null || value === undefined) return null;
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(asText(value), 'utf8');
  return `\\x${bytes.toString('hex')}`;
};

const bit: EncoderFactory = (pair, column) => {
  const width = Number(/\((\d+)\)/.exec(pair.sourceType)?.[1] ?? '1');
  return (value) => {
    if (value === null || value === undefined) return null;
    let bits = '';
    if (Buffer.isBuffer(value)) {
      for (const byte of value) bits += byte.toString(2).padStart(8, '0');
    } else if (typeof value === 'number' || (typeof value === 'string' && INTEGER_RE.test(value))) {
      bits = BigInt(value).toString(2);
    } else {
      throw dataError(column, `${preview(value)} is not a bit value`);
    }
    bits = bits.length >= width ? bits.slice(bits.length - width) : bits.padStart(width, '0');
    return bits;
  };
};

const ENCODERS: Record<Conversion, EncoderFactory> = {
  text,
  uuid,
  boolean,
  integer,
  numeric,
  float: numeric,
  timestamp,
  date,
  time,
  interval,
  year,
  json: jsonEncoder(false),
  jsonb: jsonEncoder(true),
  enum: enumEncoder,
  'set-text': text,
  'set-array': setArray,
  bytea,
  'binary-text': binaryTextEncoder,
  bit,
};
