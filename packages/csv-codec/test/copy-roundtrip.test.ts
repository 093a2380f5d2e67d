// Property: random values of every conversion, encoded and written by CsvRowWriter, go through a real
// PostgreSQL `COPY … FROM STDIN (FORMAT csv, HEADER true)` and read back equal to what was sent.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ColumnPair } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import fc from 'fast-check';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { CsvRowWriter } from '../src/index.js';
import { pairOf } from './helpers.js';

const db = usePgDatabase(async (pg) => {
  await pg.query(`CREATE TYPE mood AS ENUM ('happy', 'so-so', 'a b', 'x,y', 'q"t', 'NULL', '')`);
  // COPY reads timestamptz in the session time zone: a far-off one proves the encoder says UTC itself.
  await pg.query(`SET TimeZone = 'Asia/Kolkata'`);
});

interface Case {
  name: string;
  /** PostgreSQL column type. */
  pgType: string;
  pair: ColumnPair;
  /** Values shaped as mysql2 delivers them. */
  values: fc.Arbitrary<unknown>;
  /** Either the JS value `pg` should return for column v … */
  expected?: (sent: unknown) => unknown;
  /** … or SQL comparing v to an independent expected text `x` (built by `text`). */
  sql?: { text: (sent: unknown) => string | null; same: string };
}

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 6 });
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const fraction = fc
  .nat(999999)
  .chain((f) => fc.integer({ min: 0, max: 6 }).map((d) => (d ? `.${pad(f, 6).slice(0, d)}` : '')));
const dateText = fc
  .tuple(
    fc.integer({ min: 1000, max: 9999 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 28 }),
  )
  .map(([y, m, d]) => `${y}-${pad(m)}-${pad(d)}`);
const clock = (maxHour: number) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: maxHour }),
      fc.integer({ min: 0, max: 59 }),
      fc.integer({ min: 0, max: 59 }),
      fraction,
    )
    .map(([h, m, s, f]) => `${pad(h)}:${pad(m)}:${pad(s)}${f}`);
const zeroDate = fc.constantFrom('0000-00-00 00:00:00', '2021-00-12 10:00:00', '2021-05-00 00:00:00.000000');
const trickyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('a', '"', ',', '\n', '\r', '\t', '\\', '.', 'N', ' ', '😀', 'é'),
    maxLength: 16,
  }),
  fc.constantFrom('', '\\N', 'NULL', 'null', '\\.', '\\', '"', ',', '\r\n', '  '),
);
const SET_LABELS = ['a', 'b c', 'q"t', 'back\\slash', '{br}', 'NULL', 'é😀'];

const cases: Case[] = [
  {
    name: 'text',
    pgType: 'text',
    pair: pairOf('text'),
    values: nullable(trickyText.filter((s) => !s.includes('\u0000'))),
    expected: (s) => s,
  },
  {
    name: 'varchar from set-text',
    pgType: 'varchar(200)',
    pair: pairOf('set-text'),
    values: nullable(fc.subarray(SET_LABELS).map((l) => l.join(','))),
    expected: (s) => s,
  },
  {
    name: 'uuid',
    pgType: 'uuid',
    pair: pairOf('uuid', { targetBaseType: 'uuid' }),
    values: nullable(
      fc.oneof(
        fc.uuid(),
        fc.uuid().map((u) => u.toUpperCase()),
        fc.constant(''),
      ),
    ),
    expected: (s) => (s === '' || s === null ? null : (s as string).toLowerCase()),
  },
  {
    name: 'boolean',
    pgType: 'boolean',
    pair: pairOf('boolean', { targetBaseType: 'bool' }),
    values: nullable(fc.constantFrom(0, 1, Buffer.from([0]), Buffer.from([1]))),
    expected: (s) => (s === null ? null : s === 1 || (Buffer.isBuffer(s) && s[0] === 1)),
  },
  {
    name: 'bigint',
    pgType: 'bigint',
    pair: pairOf('integer', { targetBaseType: 'int8' }),
    values: nullable(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String)),
    expected: (s) => s,
  },
  {
    name: 'integer',
    pgType: 'integer',
    pair: pairOf('integer', { targetBaseType: 'int4' }),
    values: nullable(fc.integer()),
    expected: (s) => s,
  },
  {
    name: 'bigint unsigned → numeric',
    pgType: 'numeric(20,0)',
    pair: pairOf('integer', { targetBaseType: 'numeric' }),
    values: nullable(
      fc.oneof(fc.bigInt(0n, 2n ** 64n - 1n).map(String), fc.constant('18446744073709551615')),
    ),
    expected: (s) => s,
  },
  {
    name: 'decimal',
    pgType: 'numeric',
    pair: pairOf('numeric', { targetBaseType: 'numeric' }),
    values: nullable(
      fc.tuple(fc.bigInt(-(10n ** 30n), 10n ** 30n), fc.integer({ min: 0, max: 10 })).map(([n, scale]) => {
        const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
        const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
        return n < 0n ? `-${text}` : text;
      }),
    ),
    expected: (s) => s, // numeric keeps the scale it was given
  },
  {
    name: 'double',
    pgType: 'double precision',
    pair: pairOf('numeric', { targetBaseType: 'float8' }),
    values: nullable(fc.double({ noNaN: true, noDefaultInfinity: true })),
    expected: (s) => s,
  },
  {
    name: 'float → real',
    pgType: 'real',
    pair: pairOf('float', { targetBaseType: 'float4' }),
    values: nullable(fc.float({ noNaN: true, noDefaultInfinity: true })),
    sql: { text: (s) => (s === null ? null : String(s)), same: 'v IS NOT DISTINCT FROM x::float8::float4' },
  },
  {
    name: 'timestamp(6)',
    pgType: 'timestamp(6)',
    pair: pairOf('timestamp', { targetBaseType: 'timestamp' }),
    values: nullable(
      fc.oneof(
        { weight: 5, arbitrary: fc.tuple(dateText, clock(23)).map(([d, t]) => `${d} ${t}`) },
        zeroDate,
      ),
    ),
    sql: {
      text: (s) =>
        s === null || (s as string).startsWith('0000') || /-00/.test(s as string) ? null : (s as string),
      same: `v IS NOT DISTINCT FROM x::timestamp(6)`,
    },
  },
  {
    name: 'timestamptz',
    pgType: 'timestamptz',
    pair: pairOf('timestamp', { targetBaseType: 'timestamptz' }),
    values: nullable(fc.tuple(dateText, clock(23)).map(([d, t]) => `${d} ${t}`)),
    sql: {
      text: (s) => s as string | null,
      same: `v IS NOT DISTINCT FROM (x::timestamp AT TIME ZONE 'UTC')`,
    },
  },
  {
    name: 'date',
    pgType: 'date',
    pair: pairOf('date', { targetBaseType: 'date' }),
    values: nullable(fc.oneof(dateText, fc.constant('0000-00-00'))),
    sql: {
      text: (s) => (s === '0000-00-00' ? null : (s as string | null)),
      same: 'v IS NOT DISTINCT FROM x::date',
    },
  },
  {
    name: 'time',
    pgType: 'time(6)',
    pair: pairOf('time', { targetBaseType: 'time' }),
    values: nullable(fc.oneof(clock(23), fc.constant('24:00:00'))),
    sql: { text: (s) => s as string | null, same: 'v IS NOT DISTINCT FROM x::time' },
  },
  {
    name: 'interval',
    pgType: 'interval',
    pair: pairOf('interval', { targetBaseType: 'interval' }),
    values: nullable(
      fc
        .tuple(
          fc.boolean(),
          fc.integer({ min: 0, max: 838 }),
          fc.integer({ min: 0, max: 59 }),
          fc.integer({ min: 0, max: 59 }),
          fraction,
        )
        .map(([neg, h, m, s, f]) => `${neg ? '-' : ''}${pad(h)}:${pad(m)}:${pad(s)}${f}`),
    ),
    // Independent expectation: the number of seconds, computed here, not parsed by PostgreSQL from the same text.
    sql: {
      text: (s) => {
        if (s === null) return null;
        const m = /^(-?)(\d+):(\d+):(\d+)(\.\d+)?$/.exec(s as string)!;
        const secs = `${Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])}${m[5] ?? ''}`;
        return `${m[1]}${secs}`;
      },
      same: 'extract(epoch FROM v) IS NOT DISTINCT FROM x::numeric',
    },
  },
  {
    name: 'year',
    pgType: 'smallint',
    pair: pairOf('year', { targetBaseType: 'int2' }),
    values: nullable(fc.oneof(fc.integer({ min: 1901, max: 2155 }), fc.constant(0))),
    expected: (s) => s,
  },
  {
    name: 'json',
    pgType: 'json',
    pair: pairOf('json', { targetBaseType: 'json' }),
    values: nullable(
      fc
        .tuple(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'))
        .map(([v, indent]) => JSON.stringify({ v, s: 'say "hi"\nback\\slash 😀' }, null, indent)),
    ),
    expected: (s) => (s === null ? null : JSON.parse(s as string)),
  },
  {
    name: 'json text exactly',
    pgType: 'json',
    pair: pairOf('json', { targetBaseType: 'json' }),
    values: nullable(fc.json().map((j) => ` ${j}\n`)),
    sql: { text: (s) => s as string | null, same: 'v::text IS NOT DISTINCT FROM x' },
  },
  {
    name: 'jsonb',
    pgType: 'jsonb',
    pair: pairOf('jsonb', { targetBaseType: 'jsonb' }),
    values: nullable(fc.json().filter((j) => !j.includes('\\u0000'))),
    sql: { text: (s) => s as string | null, same: 'v IS NOT DISTINCT FROM x::jsonb' },
  },
  {
    name: 'enum',
    pgType: 'mood',
    pair: pairOf('enum', { targetEnumLabels: ['happy', 'so-so', 'a b', 'x,y', 'q"t', 'NULL', ''] }),
    values: nullable(fc.constantFrom('happy', 'so-so', 'a b', 'x,y', 'q"t', 'NULL', '')),
    sql: { text: (s) => s as string | null, same: 'v::text IS NOT DISTINCT FROM x' },
  },
  {
    name: 'set → text[]',
    pgType: 'text[]',
    pair: pairOf('set-array'),
    values: nullable(fc.subarray(SET_LABELS).map((l) => l.join(','))),
    expected: (s) => (s === null ? null : s === '' ? [] : (s as string).split(',')),
  },
  {
    name: 'bytea',
    pgType: 'bytea',
    pair: pairOf('bytea', { targetBaseType: 'bytea' }),
    values: nullable(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))),
    expected: (s) => s,
  },
  {
    name: 'binary-text',
    pgType: 'text',
    pair: pairOf('binary-text'),
    values: nullable(trickyText.filter((s) => !s.includes('\u0000')).map((s) => Buffer.from(s, 'utf8'))),
    expected: (s) => (s === null ? null : (s as Buffer).toString('utf8')),
  },
  {
    name: 'bit(10)',
    pgType: 'bit(10)',
    pair: pairOf('bit', { sourceType: 'bit(10)' }),
    values: nullable(fc.integer({ min: 0, max: 1023 }).map((n) => Buffer.from([n >> 8, n & 255]))),
    expected: (s) =>
      s === null ? null : ((s as Buffer)[0]! * 256 + (s as Buffer)[1]!).toString(2).padStart(10, '0'),
  },
];

async function copyRows(table: string, pairs: ColumnPair[], rows: unknown[][]): Promise<void> {
  const chunks: Buffer[] = [];
  // Small chunks so that lines are split across COPY data messages too.
  const writer = new CsvRowWriter(pairs, { sink: (c) => chunks.push(c) > 0, chunkChars: 97 });
  writer.header(pairs.map((p) => p.target));
  for (const row of rows) writer.write(row);
  writer.flush();
  const copy = db.client.query(copyFrom(`COPY ${table} (id, v) FROM STDIN (FORMAT csv, HEADER true)`));
  await pipeline(Readable.from(chunks), copy);
}

const idPair = pairOf('integer', { source: 'id', target: 'id', targetBaseType: 'int4' });

describe('encode → COPY (FORMAT csv) → read back', () => {
  for (const [index, c] of cases.entries()) {
    it(`${c.name} survives`, async () => {
      const table = `t${index}`;
      await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v ${c.pgType})`);
      await fc.assert(
        fc.asyncProperty(fc.array(c.values, { minLength: 1, maxLength: 40 }), async (values) => {
          await db.query(`TRUNCATE ${table}`);
          await copyRows(
            table,
            [idPair, c.pair],
            values.map((v, i) => [i, v]),
          );
          if (c.expected) {
            const rows = await db.query<{ id: number; v: unknown }>(`SELECT id, v FROM ${table} ORDER BY id`);
            expect(rows.map((r) => r.v)).toEqual(values.map(c.expected));
          } else {
            const sql = c.sql!;
            const rows = await db.query<{ id: number; same: boolean }>(
              `SELECT e.id, (${sql.same}) AS same
                 FROM unnest($1::int[], $2::text[]) AS e(id, x) LEFT JOIN ${table} t USING (id) ORDER BY e.id`,
              [values.map((_, i) => i), values.map(sql.text)],
            );
            const wrong = rows.filter((r) => !r.same).map((r) => ({ sent: values[r.id], row: r.id }));
            expect(wrong).toEqual([]);
          }
        }),
        { numRuns: 25 },
      );
    });
  }
});
