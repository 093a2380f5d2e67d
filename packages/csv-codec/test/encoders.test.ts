import { ConvError } from '@conv/core';
import { describe, expect, it } from 'vitest';
import { encoderFor } from '../src/index.js';
import { pairOf } from './helpers.js';

function rejects(fn: () => unknown, pattern: RegExp) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConvError);
    expect((err as ConvError).code).toBe('data.value');
    expect((err as ConvError).location.column).toBe('v');
    expect((err as Error).message).toMatch(/column v/);
    expect((err as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a data error');
}

describe('encoders: value rules of DESIGN.md §3', () => {
  it('text is untouched, NULL stays NULL, 0x00 is a data error', () => {
    const enc = encoderFor(pairOf('text'));
    expect(enc(null)).toBeNull();
    expect(enc('')).toBe('');
    expect(enc('a\nb\r\tc\\N "q" 😀')).toBe('a\nb\r\tc\\N "q" 😀');
    expect(enc(42)).toBe('42');
    rejects(() => enc('a\u0000b'), /0x00/);
  });

  it("uuid: '' → NULL, anything not a UUID is a data error, binary(16) is formatted", () => {
    const enc = encoderFor(pairOf('uuid', { targetBaseType: 'uuid' }));
    expect(enc('')).toBeNull();
    expect(enc('0E8F4D5A-1B2C-4D3E-8F9A-0B1C2D3E4F5A')).toBe('0E8F4D5A-1B2C-4D3E-8F9A-0B1C2D3E4F5A');
    expect(enc(Buffer.from('00112233445566778899aabbccddeeff', 'hex'))).toBe(
      '00112233-4455-6677-8899-aabbccddeeff',
    );
    rejects(() => enc('not-a-uuid'), /"not-a-uuid" is not a UUID/);
  });

  it('boolean: 0/1 (number, string, bit(1)) → f/t, anything else is a data error', () => {
    const enc = encoderFor(pairOf('boolean', { targetBaseType: 'bool' }));
    expect([0, 1, '0', '1', Buffer.from([0]), Buffer.from([1])].map(enc)).toEqual([
      'f',
      't',
      'f',
      't',
      'f',
      't',
    ]);
    rejects(() => enc(2), /neither 0 nor 1/);
    rejects(() => enc(-1), /neither 0 nor 1/);
  });

  it('integer: range-checked against the target type; bigint unsigned max only fits numeric', () => {
    const int8 = encoderFor(pairOf('integer', { targetBaseType: 'int8', targetType: 'bigint' }));
    expect(int8('9223372036854775807')).toBe('9223372036854775807');
    expect(int8('-9223372036854775808')).toBe('-9223372036854775808');
    rejects(() => int8('18446744073709551615'), /out of range for bigint/);
    const num = encoderFor(pairOf('integer', { targetBaseType: 'numeric', targetType: 'numeric(20,0)' }));
    expect(num('18446744073709551615')).toBe('18446744073709551615');
    const int2 = encoderFor(pairOf('integer', { targetBaseType: 'int2', targetType: 'smallint' }));
    rejects(() => int2(40000), /out of range for smallint/);
    rejects(() => int2('12a'), /not an integer/);
  });

  it('decimal text is untouched; doubles print the shortest exact text, -0 included', () => {
    const enc = encoderFor(pairOf('numeric', { targetBaseType: 'numeric' }));
    expect(enc('-00012.34000')).toBe('-00012.34000');
    expect(enc(0.1)).toBe('0.1');
    expect(enc(-0)).toBe('-0');
    expect(enc(1e300)).toBe('1e+300');
    rejects(() => enc('12,5'), /not a number/);
  });

  it('timestamps keep every fractional digit; zero dates → NULL, or a data error when NOT NULL', () => {
    const ts = encoderFor(pairOf('timestamp', { targetBaseType: 'timestamp' }));
    expect(ts('2024-02-29 23:59:59.123456')).toBe('2024-02-29 23:59:59.123456');
    expect(ts('0000-00-00 00:00:00')).toBeNull();
    expect(ts('2020-00-10 00:00:00')).toBeNull();
    expect(ts('2020-10-00 00:00:00')).toBeNull();
    const tz = encoderFor(pairOf('timestamp', { targetBaseType: 'timestamptz' }));
    expect(tz('2024-01-01 00:00:00.5')).toBe('2024-01-01 00:00:00.5+00');
    const notNull = encoderFor(
      pairOf('timestamp', { targetNullable: false, targetType: 'timestamp(6) without time zone' }),
    );
    rejects(() => notNull('0000-00-00 00:00:00'), /zero date .* NOT NULL timestamp\(6\)/);
    const date = encoderFor(pairOf('date'));
    expect(date('0000-00-00')).toBeNull();
    expect(date('1999-12-31')).toBe('1999-12-31');
  });

  it('time must lie within 00:00..24:00; interval takes any MySQL time', () => {
    const time = encoderFor(pairOf('time', { targetType: 'time' }));
    expect(time('23:59:59.999999')).toBe('23:59:59.999999');
    expect(time('24:00:00')).toBe('24:00:00');
    rejects(() => time('-01:00:00'), /outside 00:00:00..24:00:00/);
    rejects(() => time('838:59:59'), /outside/);
    const interval = encoderFor(pairOf('interval'));
    expect(interval('-838:59:59.000000')).toBe('-838:59:59.000000');
  });

  it('JSON passes through untouched; invalid JSON and \\u0000 in jsonb are data errors', () => {
    const json = encoderFor(pairOf('json', { targetType: 'json' }));
    const text = '{ "a" : "say \\"hi\\"\\nbye",\n  "b": [1, 2.50] }';
    expect(json(text)).toBe(text);
    rejects(() => json('{"a":'), /invalid JSON for json/);
    const jsonb = encoderFor(pairOf('jsonb'));
    expect(json('"\\u0000"')).toBe('"\\u0000"');
    rejects(() => jsonb('"\\u0000"'), /\\u0000/);
  });

  it('enum labels must exist in the target enum', () => {
    const enc = encoderFor(
      pairOf('enum', { targetEnumLabels: ['draft', 'live'], targetType: 'status_enum' }),
    );
    expect(enc('live')).toBe('live');
    rejects(() => enc(''), /"" is not a label of status_enum/);
  });

  it("set: text keeps 'a,b'; arrays get {a,b} with PostgreSQL array quoting", () => {
    expect(encoderFor(pairOf('set-text'))('a,b')).toBe('a,b');
    const arr = encoderFor(pairOf('set-array'));
    expect(arr('')).toBe('{}');
    expect(arr('a,b')).toBe('{a,b}');
    expect(arr('NULL,x y,q"t,b\\s,{c}')).toBe('{"NULL","x y","q\\"t","b\\\\s","{c}"}');
  });

  it('bytea is \\x hex of every byte; binary-text must be UTF-8 without 0x00', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(encoderFor(pairOf('bytea'))(all)).toBe(`\\x${all.toString('hex')}`);
    const bt = encoderFor(pairOf('binary-text'));
    expect(bt(Buffer.from('héllo 😀'))).toBe('héllo 😀');
    rejects(() => bt(Buffer.from([0xc3, 0x28])), /not valid UTF-8/);
    rejects(() => bt(Buffer.from([0x61, 0x00])), /0x00/);
  });

  it('bit(n) prints n bits', () => {
    const enc = encoderFor(pairOf('bit', { sourceType: 'bit(10)' }));
    expect(enc(Buffer.from([0x02, 0x01]))).toBe('1000000001');
    expect(enc(5)).toBe('0000000101');
  });
});
