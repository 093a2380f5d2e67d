import type { SourceColumn, TargetColumn } from '@conv/core';
import { describe, expect, it } from 'vitest';
import { printable } from '../src/check/values.js';
import { conversionFor, loadOrder, naturalTargetFor } from '../src/index.js';
import { jsonValidColumns, normaliseColumnType, parseEnumLabels } from '../src/mysql-types.js';

const src = (dataType: string, columnType: string, extra: Partial<SourceColumn> = {}): SourceColumn => ({
  name: 'c',
  ordinal: 1,
  dataType,
  columnType,
  nullable: true,
  default: null,
  generated: false,
  generationExpression: null,
  autoIncrement: false,
  unsigned: columnType.includes('unsigned'),
  charMaxLength: null,
  numericPrecision: null,
  numericScale: null,
  datetimePrecision: null,
  charset: null,
  collation: null,
  enumValues: null,
  isJson: dataType === 'json',
  ...extra,
});
const tgt = (
  baseType: string,
  typeCategory: TargetColumn['typeCategory'],
  extra: Partial<TargetColumn> = {},
): TargetColumn => ({
  name: 'c',
  ordinal: 1,
  formattedType: baseType,
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
  nullable: true,
  default: null,
  identity: null,
  generated: false,
  sequence: null,
  ...extra,
});

describe('MySQL type strings', () => {
  it('drops integer display widths (MariaDB) but keeps tinyint(1), as MySQL 8 does', () => {
    expect(normaliseColumnType('int(11)', 'int')).toBe('int');
    expect(normaliseColumnType('bigint(20) unsigned', 'bigint')).toBe('bigint unsigned');
    expect(normaliseColumnType('tinyint(4)', 'tinyint')).toBe('tinyint');
    expect(normaliseColumnType('tinyint(1)', 'tinyint')).toBe('tinyint(1)');
    expect(normaliseColumnType('VARCHAR(36)', 'varchar')).toBe('varchar(36)');
    expect(normaliseColumnType("ENUM('A','b')", 'enum')).toBe("enum('A','b')");
  });
  it('parses enum labels with doubled quotes and commas', () => {
    expect(parseEnumLabels("enum('a','it''s','x,y','')")).toEqual(['a', "it's", 'x,y', '']);
  });
  it('finds json_valid columns in MariaDB CHECK clauses', () => {
    expect(jsonValidColumns('json_valid(`payload`)')).toEqual(['payload']);
    expect(jsonValidColumns('json_valid(`a``b`) and json_valid(`c`)')).toEqual(['a`b', 'c']);
  });
});

describe('conversionFor: the target decides', () => {
  it('char(36) is uuid only for a uuid target', () => {
    const c = src('char', 'char(36)');
    expect(conversionFor(c, tgt('uuid', 'uuid'))).toBe('uuid');
    expect(conversionFor(c, tgt('bpchar', 'string'))).toBe('text');
  });
  it('tinyint is boolean only for a boolean target, whatever its width', () => {
    expect(conversionFor(src('tinyint', 'tinyint(1)'), tgt('bool', 'boolean'))).toBe('boolean');
    expect(conversionFor(src('tinyint', 'tinyint'), tgt('bool', 'boolean'))).toBe('boolean');
    expect(conversionFor(src('tinyint', 'tinyint(1)'), tgt('int2', 'numeric'))).toBe('integer');
    expect(conversionFor(src('bit', 'bit(1)'), tgt('bool', 'boolean'))).toBe('boolean');
    expect(conversionFor(src('bit', 'bit(8)'), tgt('bool', 'boolean'))).toBeNull();
  });
  it('time is time or interval by target; binary is bytea or binary-text; impossible pairs are null', () => {
    expect(conversionFor(src('time', 'time'), tgt('time', 'datetime'))).toBe('time');
    expect(conversionFor(src('time', 'time'), tgt('interval', 'datetime'))).toBe('interval');
    expect(conversionFor(src('blob', 'blob'), tgt('bytea', 'binary'))).toBe('bytea');
    expect(conversionFor(src('varbinary', 'varbinary(10)'), tgt('text', 'string'))).toBe('binary-text');
    expect(conversionFor(src('binary', 'binary(16)'), tgt('uuid', 'uuid'))).toBe('uuid');
    expect(conversionFor(src('binary', 'binary(8)'), tgt('uuid', 'uuid'))).toBeNull();
    expect(conversionFor(src('datetime', 'datetime'), tgt('bool', 'boolean'))).toBeNull();
    expect(conversionFor(src('double', 'double'), tgt('int4', 'numeric'))).toBeNull();
    expect(conversionFor(src('float', 'float'), tgt('float8', 'numeric'))).toBe('float');
    expect(conversionFor(src('json', 'json'), tgt('jsonb', 'json'))).toBe('jsonb');
    expect(conversionFor(src('set', "set('a')"), tgt('text', 'array', { isArray: true }))).toBe('set-array');
  });
  it('export-only columns get their natural PostgreSQL type', () => {
    expect(naturalTargetFor(src('char', 'char(36)')).formattedType).toBe('text');
    expect(naturalTargetFor(src('bigint', 'bigint unsigned')).formattedType).toBe('numeric(20,0)');
    expect(naturalTargetFor(src('datetime', 'datetime(3)', { datetimePrecision: 3 })).formattedType).toBe(
      'timestamp(3) without time zone',
    );
    expect(naturalTargetFor(src('tinyint', 'tinyint(1)')).formattedType).toBe('smallint');
    expect(naturalTargetFor(src('mediumblob', 'mediumblob')).formattedType).toBe('bytea');
    const t = naturalTargetFor(src('time', 'time'));
    expect(conversionFor(src('time', 'time'), t)).toBe('interval');
  });
});

describe('loadOrder', () => {
  it('puts parents first, ignores self references, breaks and reports cycles', () => {
    const parents: Record<string, string[]> = { c: ['b'], b: ['a'], a: [], s: ['s'], x: ['y'], y: ['x'] };
    const r = loadOrder(Object.keys(parents), (t) => parents[t] ?? []);
    expect(r.order.indexOf('a')).toBeLessThan(r.order.indexOf('b'));
    expect(r.order.indexOf('b')).toBeLessThan(r.order.indexOf('c'));
    expect(r.order).toHaveLength(6);
    expect(r.brokenEdges).toEqual([['x', 'y']]);
    // Downstream of a cycle nothing breaks: d depends on the cycle p ↔ q and must simply come after it.
    const p2: Record<string, string[]> = { d: ['p'], p: ['q'], q: ['p'] };
    const r2 = loadOrder(Object.keys(p2), (t) => p2[t] ?? []);
    expect(r2.brokenEdges).toHaveLength(1);
    expect(r2.order.indexOf('d')).toBeGreaterThan(r2.order.indexOf('p'));
    expect(r2.brokenEdges).toEqual([['p', 'q']]);
  });
});

describe('printable sample values', () => {
  it('shows text as text and NUL or invalid UTF-8 as hex', () => {
    expect(printable(Buffer.from('héllo'))).toBe('héllo');
    expect(printable(Buffer.from([0x61, 0x00]))).toBe('0x6100');
    expect(printable(Buffer.from([0x61, 0xff]))).toBe('0x61ff');
    expect(printable('x'.repeat(100))).toHaveLength(81);
    expect(printable(null)).toBeNull();
  });
});
