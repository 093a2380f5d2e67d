import type { Conversion, SourceColumn, TargetColumn } from '@conv/core';
import { typeLength } from './mysql-types.js';

/** What kind of value a MySQL/MariaDB column holds: decides how it is decoded. */
export type SourceKind =
  | 'integer'
  | 'decimal'
  | 'double'
  | 'float'
  | 'bit'
  | 'string'
  | 'json'
  | 'enum'
  | 'set'
  | 'binary'
  | 'date'
  | 'datetime'
  | 'time'
  | 'year'
  | 'uuid'
  | 'inet'
  | 'spatial'
  | 'unknown';

const KIND_BY_TYPE: Record<string, SourceKind> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  bigint: 'integer',
  decimal: 'decimal',
  numeric: 'decimal',
  double: 'double',
  real: 'double',
  'double precision': 'double',
  float: 'float',
  bit: 'bit',
  char: 'string',
  varchar: 'string',
  tinytext: 'string',
  text: 'string',
  mediumtext: 'string',
  longtext: 'string',
  json: 'json',
  enum: 'enum',
  set: 'set',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'datetime',
  time: 'time',
  year: 'year',
  uuid: 'uuid',
  inet4: 'inet',
  inet6: 'inet',
  geometry: 'spatial',
  point: 'spatial',
  linestring: 'spatial',
  polygon: 'spatial',
  multipoint: 'spatial',
  multilinestring: 'spatial',
  multipolygon: 'spatial',
  geometrycollection: 'spatial',
  geomcollection: 'spatial',
};

export function sourceKind(column: SourceColumn): SourceKind {
  if (column.isJson) return 'json';
  return KIND_BY_TYPE[column.dataType] ?? 'unknown';
}

const INT_TARGETS = new Set(['int2', 'int4', 'int8']);
const FLOAT_TARGETS = new Set(['float4', 'float8']);
const TEXT_LIKE = new Set<SourceKind>(['string', 'json', 'uuid', 'inet']);
const PRINTABLE = new Set<SourceKind>([
  'integer',
  'decimal',
  'double',
  'float',
  'date',
  'datetime',
  'time',
  'year',
]);

/**
 * The conversion for one (source column, target column) pair, or null when there is no sensible one
 * (the plan reports it as an error naming the table and column: never a guess).
 *
 * The target type decides the conversion; the source type decides the decoding: a `char(36)` is `uuid`
 * only when the target is `uuid`, a `tinyint` is `boolean` only when the target is `boolean`.
 */
export function conversionFor(source: SourceColumn, target: TargetColumn): Conversion | null {
  const kind = sourceKind(source);
  const base = target.baseType;

  if (target.isArray) {
    const elementIsText = ['text', 'varchar', 'bpchar', 'citext'].includes(base);
    return kind === 'set' && elementIsText ? 'set-array' : null;
  }
  switch (target.typeCategory) {
    case 'boolean':
      if (kind === 'integer') return 'boolean';
      if (kind === 'bit' && typeLength(source.columnType) === 1) return 'boolean';
      return null;
    case 'uuid':
      if (kind === 'string' || kind === 'uuid') return 'uuid';
      if (kind === 'binary' && source.dataType === 'binary' && typeLength(source.columnType) === 16)
        return 'uuid';
      return null;
    case 'json':
      if (kind === 'json' || kind === 'string') return base === 'jsonb' ? 'jsonb' : 'json';
      return null;
    case 'enum':
      return kind === 'enum' || kind === 'string' ? 'enum' : null;
    case 'binary':
      return kind === 'binary' || kind === 'string' || kind === 'spatial' ? 'bytea' : null;
    case 'string':
      if (TEXT_LIKE.has(kind)) return 'text';
      if (kind === 'enum') return 'enum';
      if (kind === 'set') return 'set-text';
      if (kind === 'binary') return 'binary-text';
      if (PRINTABLE.has(kind)) return 'text';
      return null;
    case 'numeric':
      if (kind === 'year') return 'year';
      if (kind === 'integer') return 'integer';
      if (kind === 'float') return INT_TARGETS.has(base) ? null : 'float';
      if (kind === 'decimal' || kind === 'double') {
        // A fraction cannot go into an integer column; decimal(p,0) can.
        if (INT_TARGETS.has(base)) return kind === 'decimal' && source.numericScale === 0 ? 'numeric' : null;
        return base === 'numeric' || FLOAT_TARGETS.has(base) ? 'numeric' : null;
      }
      if (kind === 'bit') return INT_TARGETS.has(base) || base === 'numeric' ? 'integer' : null;
      return null;
    case 'datetime':
      if (base === 'timestamp' || base === 'timestamptz') {
        return kind === 'datetime' || kind === 'date' ? 'timestamp' : null;
      }
      if (base === 'date') return kind === 'date' ? 'date' : null;
      if (base === 'time') return kind === 'time' ? 'time' : null;
      if (base === 'interval') return kind === 'time' ? 'interval' : null;
      return null;
    case 'other':
      if (base === 'bit' || base === 'varbit') return kind === 'bit' ? 'bit' : null;
      // inet/cidr/macaddr/citext…: the text form loads when it is valid for the type.
      if (['inet', 'cidr', 'macaddr', 'macaddr8', 'citext'].includes(base)) {
        return kind === 'string' || kind === 'inet' ? 'text' : null;
      }
      return null;
    default:
      return null;
  }
}

/**
 * The natural PostgreSQL column for a source column, used for export-only tables (nothing loads them, so the
 * CSV must be an exact archive: `char(36)` stays text and `''` stays `''`; blobs are bytea; json is json).
 */
export function naturalTargetFor(source: SourceColumn): TargetColumn {
  const t = (
    formattedType: string,
    baseType: string,
    typeCategory: TargetColumn['typeCategory'],
    extra: Partial<TargetColumn> = {},
  ): TargetColumn => ({
    name: source.name,
    ordinal: source.ordinal,
    formattedType,
    baseType,
    typeCategory,
    isArray: false,
    elementType: null,
    domain: null,
    enumLabels: null,
    charMaxLength: null,
    numericPrecision: null,
    numericScale: null,
    datetimePrecision: null,
    nullable: source.nullable,
    default: null,
    identity: null,
    generated: false,
    sequence: null,
    ...extra,
  });
  const precision = source.datetimePrecision ?? 0;
  switch (sourceKind(source)) {
    case 'integer': {
      const u = source.unsigned;
      switch (source.dataType) {
        case 'tinyint':
          return t('smallint', 'int2', 'numeric');
        case 'smallint':
          return u ? t('integer', 'int4', 'numeric') : t('smallint', 'int2', 'numeric');
        case 'mediumint':
          return t('integer', 'int4', 'numeric');
        case 'bigint':
          return u ? t('numeric(20,0)', 'numeric', 'numeric') : t('bigint', 'int8', 'numeric');
        default:
          return u ? t('bigint', 'int8', 'numeric') : t('integer', 'int4', 'numeric');
      }
    }
    case 'decimal': {
      const p = source.numericPrecision ?? 65;
      const s = source.numericScale ?? 0;
      return t(`numeric(${p},${s})`, 'numeric', 'numeric', { numericPrecision: p, numericScale: s });
    }
    case 'double':
      return t('double precision', 'float8', 'numeric');
    case 'float':
      return t('real', 'float4', 'numeric');
    case 'bit': {
      const n = typeLength(source.columnType) ?? 1;
      return t(`bit(${n})`, 'bit', 'other');
    }
    case 'json':
      return t('json', 'json', 'json');
    case 'enum':
      return t('text', 'text', 'string');
    case 'set':
      return t('text', 'text', 'string');
    case 'binary':
    case 'spatial':
      return t('bytea', 'bytea', 'binary');
    case 'date':
      return t('date', 'date', 'datetime');
    case 'datetime':
      return t(`timestamp(${precision}) without time zone`, 'timestamp', 'datetime', {
        datetimePrecision: precision,
      });
    case 'time':
      // MySQL time spans -838:59:59..838:59:59: only interval holds every value.
      return t('interval', 'interval', 'datetime', { datetimePrecision: precision });
    case 'year':
      return t('smallint', 'int2', 'numeric');
    case 'uuid':
      return t('uuid', 'uuid', 'uuid');
    default:
      return t('text', 'text', 'string');
  }
}

/**
 * The conversion a target type implies on its own: used when a profile transform (SQL expression or lookup)
 * computes the value, so the source column's type says nothing about it.
 */
export function conversionForTarget(target: TargetColumn): Conversion | null {
  if (target.isArray) return 'set-array';
  const base = target.baseType;
  switch (target.typeCategory) {
    case 'boolean':
      return 'boolean';
    case 'uuid':
      return 'uuid';
    case 'json':
      return base === 'jsonb' ? 'jsonb' : 'json';
    case 'enum':
      return 'enum';
    case 'binary':
      return 'bytea';
    case 'string':
      return 'text';
    case 'numeric':
      return INT_TARGETS.has(base) ? 'integer' : 'numeric';
    case 'datetime':
      if (base === 'date') return 'date';
      if (base === 'time') return 'time';
      if (base === 'interval') return 'interval';
      return base === 'timestamp' || base === 'timestamptz' ? 'timestamp' : null;
    default:
      return base === 'bit' || base === 'varbit' ? 'bit' : null;
  }
}
