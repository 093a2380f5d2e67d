// Issue 13 item 9: values above a threshold are read apart, in pieces by primary key, in the same snapshot
// (src/large-values.ts). Small thresholds and pieces here, so that pieces cut multi-byte characters and
// quotes, on the shared server; the 64 MB memory bound is apps/conv/test/export-memory.test.ts.
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConvError } from '@conv/core';
import { connectMysql } from '@conv/dialect/mysql';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { streamTableCsv } from '../src/index.js';
import { largeAwareQuery, largeValuePlan } from '../src/large-values.js';

const small = { threshold: 64, pieceBytes: 7 };

describe('large values read in pieces', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(
      `CREATE TABLE big (a int, b varchar(10), t longtext CHARACTER SET utf8mb4, l mediumtext CHARACTER SET latin1,
         x longblob, PRIMARY KEY (a, b));
       INSERT INTO big VALUES
         (1, 'k', REPEAT('é"€,\\n😀', 40), REPEAT('\u00e9"', 50), REPEAT(X'00FF22', 40)),
         (2, 'k', 'short "one"', 'short', X'0102'),
         (3, 'k', NULL, NULL, NULL),
         (4, 'k', REPEAT('z', 65), REPEAT('w', 64), REPEAT(X'22', 65));
       CREATE TABLE nul (id int PRIMARY KEY, t longtext);
       INSERT INTO nul VALUES (1, 'ok'), (7, CONCAT(REPEAT('a', 100), CHAR(0), 'b'));
       CREATE TABLE nokey (t longtext); INSERT INTO nokey VALUES (REPEAT('n', 100));`,
    );
  });
  const pg = usePgDatabase(async (db) => {
    await db.query(`CREATE TABLE big (a int, b text, t text, l text, x bytea, PRIMARY KEY (a, b));
      CREATE TABLE nul (id int PRIMARY KEY, t text); CREATE TABLE nokey (t text)`);
  });

  const csvOf = async (
    table: string,
    largeValues?: typeof small,
    where?: { clause: string; values: unknown[] },
  ) => {
    const plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    const planned = plan.tables.find((t) => t.source === table)!;
    const conn = await connectMysql(my.url);
    try {
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const r = await streamTableCsv({
        conn,
        database: my.name,
        table: planned,
        targets: [{ stream: out, error: (e) => e as ConvError }],
        signal: new AbortController().signal,
        hash: true,
        ...(largeValues ? { largeValues } : {}),
        ...(where ? { where } : {}),
      });
      return { ...r, csv: Buffer.concat(chunks), planned };
    } finally {
      await conn.end().catch(() => {});
    }
  };

  it('the same values as reading rows whole: cut characters, quotes, a latin1 text, a blob, a 2-column key', async () => {
    const whole = await csvOf('big', { threshold: 1 << 30, pieceBytes: 1 << 20 });
    const pieces = await csvOf('big', small);
    expect(largeValuePlan(pieces.planned, small)).not.toBeNull();
    expect(largeAwareQuery(pieces.planned, my.name, largeValuePlan(pieces.planned, small)!)).toContain(
      'LENGTH(',
    );
    expect(pieces.rows).toBe(4);
    // Rows with a large value come last, and a text read in pieces is always quoted: the same values.
    const load = async (csv: Buffer) => {
      await pg.query('TRUNCATE big');
      await pipeline(
        Readable.from([csv]),
        pg.client.query(copyFrom('COPY big FROM STDIN (FORMAT csv, HEADER true)')),
      );
      return (await pg.query('SELECT a, b, md5(t) t, md5(l) l, md5(x) x FROM big ORDER BY a')) as unknown[];
    };
    const [sums] = await my.conn.query(
      'SELECT a, b, md5(t) t, md5(CONVERT(l USING utf8mb4)) l, md5(x) x FROM big ORDER BY a',
    );
    expect(await load(pieces.csv)).toEqual(await load(whole.csv));
    expect(await load(pieces.csv)).toEqual((sums as object[]).map((r) => ({ ...r })));
    expect(pieces.csv.toString('utf8')).toContain(`"${'é""€,\n😀'.repeat(40)}"`);
    expect(pieces.csv.toString('utf8')).toContain(`\\x${'00ff22'.repeat(40)}`);
  });

  it('a 0x00 in a large text is refused naming the table, the row key and the column', async () => {
    const err = await csvOf('nul', small).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.code).toBe('data.value');
    expect(e.message).toContain('nul');
    expect(e.message).toContain('"id":"7"');
    expect(e.message).toContain('0x00');
    expect(e.location?.column ?? e.message).toContain('t');
  });

  it('a table without a primary key is read as before (whole rows)', async () => {
    const r = await csvOf('nokey', small);
    expect(largeValuePlan(r.planned, small)).toBeNull();
    expect(r.csv.toString('utf8')).toBe(`t\n${'n'.repeat(100)}\n`);
  });

  it('a key range (`where`, as migrate reads a split table) still reads its large values apart', async () => {
    const range = await csvOf('big', small, {
      clause: 'WHERE `src`.`a` > ? AND `src`.`a` <= ?',
      values: [0, 1],
    });
    expect(range.rows).toBe(1);
    expect(range.csv.toString('utf8')).toContain(`"${'é""€,\n😀'.repeat(40)}"`);
    const rest = await csvOf('big', small, { clause: 'WHERE `src`.`a` > ?', values: [1] });
    expect(rest.rows).toBe(3);
    expect(rest.csv.toString('utf8')).toContain(`"${'z'.repeat(65)}"`);
  });
});
