// Must show: a value of each rule survives MySQL → export CSV → PostgreSQL COPY, in the planned target type.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, ManifestSchema, type MigrationPlan } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDatabase, mysqlDouble } from '../src/index.js';
import { copyIntoPg, tempDir } from './helpers.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const JSON_TEXT = '{"say": "he said \\"hi\\"\\nthen left", "path": "C:\\\\dir", "n": 1.50}';

const my = useMysqlDatabase(async (db) => {
  await db.query(`
    CREATE TABLE vals (
      id int NOT NULL PRIMARY KEY,
      txt longtext NULL,
      vc varchar(100) NULL,
      blb longblob NULL,
      bin4 binary(4) NULL,
      ts datetime(6) NULL,
      tstz timestamp(6) NULL DEFAULT NULL,
      d date NULL,
      j longtext COLLATE utf8mb4_bin NULL CHECK (json_valid(j)),
      bu bigint unsigned NULL,
      fl float NULL,
      dbl double NULL,
      dec30 decimal(30,10) NULL,
      u char(36) NULL,
      flag tinyint(1) NULL,
      tags set('a','b c','NULL') NULL,
      tm time(6) NULL,
      y year NULL,
      doubled int GENERATED ALWAYS AS (id * 2) VIRTUAL
    )`);
  await db.query('SET SESSION sql_mode = ""'); // zero dates are what legacy databases hold
  const rows: unknown[][] = [
    [
      1,
      'line one\nline two\r\nline three\ttabbed',
      'C:\\path\\to\\file \\\\ end\\',
      ALL_BYTES,
      Buffer.from('ab'),
      '2024-02-29 23:59:59.123456',
      '2024-06-01 12:00:00.000001',
      '1999-12-31',
      JSON_TEXT,
      '18446744073709551615',
      0.1,
      0.30000000000000004,
      '-12345678901234567890.0123456789',
      '0e8f4d5a-1b2c-4d3e-8f9a-0b1c2d3e4f5a',
      1,
      'a,b c',
      '23:59:59.999999',
      2024,
    ],
    [
      2,
      '\\N',
      'NULL',
      Buffer.alloc(0),
      Buffer.from([0, 0, 0, 0]),
      '0000-00-00 00:00:00',
      null,
      '0000-00-00',
      '[]',
      '0',
      -3.4028234663852886e38,
      -0.0,
      '0.0000000000',
      '',
      0,
      '',
      '00:00:00',
      1901,
    ],
    [3, '', '', null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
    [
      4,
      null,
      null,
      null,
      null,
      '1000-01-01 00:00:00.000000',
      '1970-01-01 00:00:01',
      '9999-12-31',
      '"😀"',
      '9223372036854775808',
      1.17549435e-38,
      1.7976931348623157e308,
      '99999999999999999999.9999999999',
      null,
      null,
      'NULL',
      '24:00:00',
      2155,
    ],
    [
      5,
      'emoji 😀👩‍👩‍👧 “quotes” "double" ,comma \\. \\',
      '\\.',
      Buffer.from('\\.\n,"'),
      null,
      null,
      null,
      null,
      '{"nested": {"arr": [1, "two", null, true]}, "u": "\\u00e9\\ud83d\\ude00"}',
      null,
      3.4028234663852886e38,
      5e-324,
      null,
      null,
      null,
      'b c,NULL,a',
      null,
      null,
    ],
  ];
  for (const row of rows) {
    await db.query(
      `INSERT INTO vals (id, txt, vc, blb, bin4, ts, tstz, d, j, bu, fl, dbl, dec30, u, flag, tags, tm, y)
       VALUES (${row.map(() => '?').join(', ')})`,
      row,
    );
  }
});

const pg = usePgDatabase(async (db) => {
  await db.query(`
    CREATE TABLE vals (
      id int PRIMARY KEY,
      txt text,
      vc varchar(100),
      blb bytea,
      bin4 bytea,
      ts timestamp(6),
      tstz timestamptz,
      d date,
      j json,
      bu numeric(20,0),
      fl real,
      dbl double precision,
      dec30 numeric(30,10),
      u uuid,
      flag boolean,
      tags text[],
      tm time(6),
      y integer
    )`);
});

describe('every value rule survives MySQL → CSV → PostgreSQL', () => {
  let plan: MigrationPlan;
  let dir: string;
  let got: Record<string, unknown>[];
  let mysqlRows: Record<string, unknown>[];

  beforeAll(async () => {
    plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    const out = tempDir();
    const result = await exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 'test', jobs: 1 });
    dir = result.dir;
    await copyIntoPg(pg, dir, result.manifest, 'vals');
    await pg.query(`SET TimeZone = 'America/New_York'`); // read back in UTC below regardless
    got = await pg.query(`
      SELECT id, txt, vc, blb, bin4, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US') AS ts,
             to_char(tstz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS tstz, d::text AS d, j::text AS j,
             bu::text AS bu, fl, dbl, dec30::text AS dec30, u::text AS u, flag, tags, tm::text AS tm, y
        FROM vals ORDER BY id`);
    const [r] = await my.conn.query({
      sql: `SELECT id, fl, ${mysqlDouble('fl')} AS fl_exact, dbl FROM vals ORDER BY id`,
      rowsAsArray: false,
    });
    mysqlRows = r as Record<string, unknown>[];
  });

  it('exports with the plan: generated column left out, header = target columns', () => {
    const header = readFileSync(join(dir, 'vals.csv'), 'utf8').split('\n')[0];
    expect(header).toBe('id,txt,vc,blb,bin4,ts,tstz,d,j,bu,fl,dbl,dec30,u,flag,tags,tm,y');
    expect(existsSync(join(dir, MANIFEST_FILE))).toBe(true);
    expect(got).toHaveLength(5);
  });

  it('text: LF/CR/TAB, backslashes, literal \\N and NULL strings, \\., emoji, quotes unchanged', () => {
    expect(got[0]!['txt']).toBe('line one\nline two\r\nline three\ttabbed');
    expect(got[0]!['vc']).toBe('C:\\path\\to\\file \\\\ end\\');
    expect(got[1]!['txt']).toBe('\\N');
    expect(got[1]!['vc']).toBe('NULL');
    expect(got[4]!['txt']).toBe('emoji 😀👩‍👩‍👧 “quotes” "double" ,comma \\. \\');
    expect(got[4]!['vc']).toBe('\\.');
  });

  it("'' stays '' and NULL stays NULL", () => {
    expect(got[2]!['txt']).toBe('');
    expect(got[2]!['vc']).toBe('');
    expect(got[3]!['txt']).toBeNull();
    expect(got[3]!['vc']).toBeNull();
    expect(got[2]!['blb']).toBeNull();
    expect(got[1]!['blb']).toEqual(Buffer.alloc(0));
  });

  it('blobs: all 256 byte values, binary(n) padding kept', () => {
    expect(got[0]!['blb']).toEqual(ALL_BYTES);
    expect(got[0]!['bin4']).toEqual(Buffer.from([0x61, 0x62, 0, 0]));
    expect(got[4]!['blb']).toEqual(Buffer.from('\\.\n,"'));
  });

  it('timestamps keep microseconds; TIMESTAMP lands as the same instant; zero dates become NULL', () => {
    expect(got[0]!['ts']).toBe('2024-02-29 23:59:59.123456');
    expect(got[0]!['tstz']).toBe('2024-06-01 12:00:00.000001');
    expect(got[3]!['tstz']).toBe('1970-01-01 00:00:01.000000');
    expect(got[3]!['ts']).toBe('1000-01-01 00:00:00.000000');
    expect(got[1]!['ts']).toBeNull();
    expect(got[1]!['d']).toBeNull();
    expect(got[3]!['d']).toBe('9999-12-31');
  });

  it('JSON text arrives untouched (escaped quotes, newlines, unicode escapes)', () => {
    expect(got[0]!['j']).toBe(JSON_TEXT);
    expect(got[3]!['j']).toBe('"😀"');
    expect(JSON.parse(got[4]!['j'] as string).u).toBe('é😀');
  });

  it('numbers: bigint unsigned max, decimals as printed, FLOAT and DOUBLE bit-exact', () => {
    expect(got[0]!['bu']).toBe('18446744073709551615');
    expect(got[3]!['bu']).toBe('9223372036854775808');
    expect(got[0]!['dec30']).toBe('-12345678901234567890.0123456789');
    expect(got[3]!['dec30']).toBe('99999999999999999999.9999999999');
    for (const [i, row] of mysqlRows.entries()) {
      // real read back as float8 must be the very float MySQL stored (as a DOUBLE it shows exactly).
      const fl = got[i]!['fl'] as number | null;
      expect(fl === null ? null : Math.fround(fl)).toBe(
        row['fl_exact'] === null ? null : Number(row['fl_exact']),
      );
      expect(got[i]!['dbl']).toBe(row['dbl']);
    }
    expect(got[4]!['dbl']).toBe(5e-324);
  });

  it("uuid ('' → NULL), boolean, set → text[], time, year", () => {
    expect(got[0]!['u']).toBe('0e8f4d5a-1b2c-4d3e-8f9a-0b1c2d3e4f5a');
    expect(got[1]!['u']).toBeNull();
    expect([got[0]!['flag'], got[1]!['flag'], got[2]!['flag']]).toEqual([true, false, null]);
    expect(got[0]!['tags']).toEqual(['a', 'b c']);
    expect(got[1]!['tags']).toEqual([]);
    expect(got[3]!['tags']).toEqual(['NULL']);
    expect(got[4]!['tags']).toEqual(['a', 'b c', 'NULL']); // MySQL stores set members in declaration order
    expect(got[0]!['tm']).toBe('23:59:59.999999');
    expect(got[3]!['tm']).toBe('24:00:00');
    expect([got[0]!['y'], got[3]!['y']]).toEqual([2024, 2155]);
  });

  it('the manifest validates and describes the file', () => {
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')));
    expect(manifest.tables).toEqual([
      expect.objectContaining({ table: 'vals', target: 'vals', file: 'vals.csv', rows: 5 }),
    ]);
    expect(manifest.tables[0]!.columns).not.toContain('doubled');
  });
});
