// Issue 14: export → import → verify for the values whose SQL had only met MariaDB: FLOAT without
// CAST(… AS DOUBLE), GEOMETRY → bytea (WKB), bit(n) → integer, swapped binary(16) UUIDs through the
// suggested transform, and a lookup transform across two collations. Runs on the server the harness found
// (MariaDB 10.11 here; MySQL 8.0 / 8.4 with `pnpm test:mysql8` or CONV_TEST_MYSQL_URL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationPlan } from '@conv/core';
import { exportDatabase, mysqlDouble, selectListFor } from '@conv/mysql-export';
import { importDirectory } from '@conv/pg-loader';
import {
  introspectMysql,
  introspectPg,
  planMigration,
  SWAPPED_UUID_EXPRESSION,
} from '@conv/schema-introspect';
import { testServers, useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlCanonical, verifyMigration } from '../src/index.js';

const mysql8 = () => testServers().mysql.flavor === 'mysql';
const SPACE = '11111111-1111-4111-8111-111111111111';
const V1 = ['ee0bd3b0-2f0b-11ef-9ab6-0242ac120002', '6ccd780c-baba-1026-9564-5b8c656024db'];
const swapped = (u: string) => {
  const h = u.replaceAll('-', '');
  return Buffer.from(h.slice(12, 16) + h.slice(8, 12) + h.slice(0, 8) + h.slice(16), 'hex');
};

const my = useMysqlDatabase(async (db) => {
  const other = mysql8() ? 'utf8mb4_0900_ai_ci' : 'utf8mb4_unicode_ci';
  await db.query(`
    CREATE TABLE floats (id int PRIMARY KEY, fl float NULL, dbl double NULL);
    INSERT INTO floats VALUES (1, 0.1, 0.1), (2, 3.40282e38, 1e308), (3, -1e-30, -2.5e-7), (4, NULL, NULL), (5, -0e0, -0e0);
    CREATE TABLE geo (id int PRIMARY KEY, g geometry NOT NULL, p point NULL);
    INSERT INTO geo VALUES (1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-71.06 42.36)')),
      (2, ST_GeomFromText('LINESTRING(0 0, 1 1, 2.5 -3)', 3857), NULL),
      (3, ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))'), ST_GeomFromText('POINT(0 0)', 3857));
    CREATE TABLE bits (id int PRIMARY KEY, b12 bit(12) NULL, b64 bit(64) NULL);
    INSERT INTO bits VALUES (1, b'101010101010', b'1111111111111111111111111111111111111111111111111111111111111111'),
      (2, b'0', b'0'), (3, NULL, NULL);
    CREATE TABLE ids (id int PRIMARY KEY, u binary(16) NULL);
    CREATE TABLE kinds (id char(36) PRIMARY KEY, name varchar(50) COLLATE utf8mb4_general_ci NOT NULL, KEY (name)) DEFAULT CHARSET utf8mb4;
    INSERT INTO kinds VALUES ('${SPACE}', 'space');
    CREATE TABLE sizes (id int PRIMARY KEY, label varchar(20) COLLATE utf8mb4_general_ci NOT NULL, KEY (label)) DEFAULT CHARSET utf8mb4;
    INSERT INTO sizes VALUES (1, 'small'), (2, 'large');
    CREATE TABLE items (id int PRIMARY KEY, kind varchar(50) COLLATE ${other} NULL, size varchar(20) COLLATE ${other} NULL) DEFAULT CHARSET utf8mb4;
    INSERT INTO items VALUES (1, 'space', 'small'), (2, 'Space', '2'), (3, 'space', 'Small'), (4, NULL, NULL), (5, '${SPACE}', 'huge');`);
  await db.query('INSERT INTO ids VALUES (1, ?), (2, ?), (3, NULL)', V1.map(swapped));
});
const pg = usePgDatabase(async (db) => {
  await db.query(`
    CREATE TABLE floats (id int PRIMARY KEY, fl real, dbl double precision);
    CREATE TABLE geo (id int PRIMARY KEY, g bytea NOT NULL, p bytea);
    CREATE TABLE bits (id int PRIMARY KEY, b12 integer, b64 numeric(20,0));
    CREATE TABLE ids (id int PRIMARY KEY, u uuid);
    CREATE TABLE kinds (id uuid PRIMARY KEY, name varchar(50) NOT NULL);
    CREATE TABLE sizes (id int PRIMARY KEY, label varchar(20) NOT NULL);
    CREATE TABLE items (id int PRIMARY KEY, kind varchar(50), size text);`);
});
const out = mkdtempSync(join(tmpdir(), 'conv-verify-mysql8-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('MySQL 8 / MariaDB value paths, end to end', () => {
  let plan: MigrationPlan;

  beforeAll(async () => {
    plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client), {
      transforms: {
        'ids.u': { kind: 'sql', expression: SWAPPED_UUID_EXPRESSION },
        'items.kind': { kind: 'lookup', table: 'kinds', matchColumn: 'name', valueColumn: 'id' },
        'items.size': { kind: 'lookup', table: 'sizes', matchColumn: 'label', valueColumn: 'id' },
      },
    });
    expect(plan.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const exported = await exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 't' });
    await importDirectory({ pgUrl: pg.url, dir: exported.dir });
  });

  it('verify finds every table equal', async () => {
    const report = await verifyMigration({ mysqlUrl: my.url, pgUrl: pg.url, plan });
    expect(report.tables.map((t) => [t.table, t.checksumMatch]).sort()).toEqual([
      ['bits', true],
      ['floats', true],
      ['geo', true],
      ['ids', true],
      ['items', true],
      ['kinds', true],
      ['sizes', true],
    ]);
  });

  it('item 4: FLOAT read as a DOUBLE without CAST(… AS DOUBLE) (MySQL < 8.0.17 has none), exact', async () => {
    const floats = plan.tables.find((t) => t.source === 'floats')!;
    expect(selectListFor(floats)).not.toMatch(/AS DOUBLE/i);
    for (const pair of floats.columns) expect(mysqlCanonical(pair)).not.toMatch(/AS DOUBLE/i);
    const rows = await pg.query<{ fl: number | null }>('SELECT fl::float8 AS fl FROM floats ORDER BY id');
    expect(rows.map((r) => r.fl)).toEqual([
      Math.fround(0.1),
      Math.fround(3.40282e38),
      Math.fround(-1e-30),
      null,
      expect.anything(),
    ]);
  });

  it('item 4: the DOUBLE expression keeps -0 (x + 0e0 would not) and is typed DOUBLE by the server', async () => {
    const [r] = await my.query<{ kept: number; plus: number }[]>(
      `SELECT ATAN2(${mysqlDouble('-0e0')}, -1) < 0 AS kept, ATAN2((-0e0) + 0e0, -1) < 0 AS plus`,
    );
    expect(Number(r!.kept)).toBe(1);
    expect(Number(r!.plus)).toBe(0);
    const [, fields] = await my.conn.query(`SELECT ${mysqlDouble('fl')} AS x FROM floats LIMIT 1`);
    expect((fields as { columnType: number }[])[0]!.columnType).toBe(5); // MYSQL_TYPE_DOUBLE
    // MariaDB stores -0 as 0; MySQL 8 keeps it: whatever the server holds arrives in PostgreSQL.
    const [src] = await my.query<{ neg: number }[]>(
      'SELECT ATAN2(fl, -1) < 0 AS neg FROM floats WHERE id = 5',
    );
    const [dst] = await pg.query<{ t: string }>('SELECT fl::text AS t FROM floats WHERE id = 5');
    expect(dst!.t).toBe(Number(src!.neg) === 1 ? '-0' : '0');
  });

  it('item 5: GEOMETRY → bytea carries the WKB (SRID prefix dropped), not "[object Object]"', async () => {
    const want = await my.query<{ g: Buffer; p: Buffer | null }[]>(
      'SELECT ST_AsBinary(g) AS g, ST_AsBinary(p) AS p FROM geo ORDER BY id',
    );
    const got = await pg.query<{ g: Buffer; p: Buffer | null }>('SELECT g, p FROM geo ORDER BY id');
    expect(got.map((r) => [r.g.toString('hex'), r.p?.toString('hex') ?? null])).toEqual(
      want.map((r) => [r.g.toString('hex'), r.p?.toString('hex') ?? null]),
    );
    expect(got[0]!.g.toString('hex')).toBe('0101000000000000000000f03f0000000000000040'); // POINT(1 2)
  });

  it('item 5: bit(n) → integer / numeric columns as numbers', async () => {
    const rows = await pg.query<{ b12: number | null; b64: string | null }>(
      'SELECT b12, b64::text AS b64 FROM bits ORDER BY id',
    );
    expect(rows).toEqual([
      { b12: 2730, b64: '18446744073709551615' },
      { b12: 0, b64: '0' },
      { b12: null, b64: null },
    ]);
  });

  it('item 3: swapped binary(16) UUIDs arrive as the UUIDs they were, through the suggested transform', async () => {
    const rows = await pg.query<{ u: string | null }>('SELECT u::text AS u FROM ids ORDER BY id');
    expect(rows.map((r) => r.u)).toEqual([...V1, null]);
  });

  it('item 2: lookup across collations (general_ci vs unicode_ci / 0900_ai_ci), matched exactly', async () => {
    const rows = await pg.query<{ kind: string | null }>('SELECT kind FROM items ORDER BY id');
    // 'Space' differs from the name 'space' in PostgreSQL's eyes: kept, even right after 'space' was
    // looked up (MariaDB's subquery cache would otherwise reuse that answer).
    expect(rows.map((r) => r.kind)).toEqual([SPACE, 'Space', SPACE, null, SPACE]);
    // An integer valueColumn: names become ids, ids and unknown names stay.
    const sizes = await pg.query<{ size: string | null }>('SELECT size FROM items ORDER BY id');
    expect(sizes.map((r) => r.size)).toEqual(['1', '2', 'Small', null, 'huge']);
  });

  it("item 2: the lookup's subqueries still use the lookup table's indexes (a byte comparison alone cannot)", async () => {
    const items = plan.tables.find((t) => t.source === 'items')!;
    expect(items.columns.find((c) => c.source === 'kind')!.transform).toMatchObject({
      matchCollation: 'utf8mb4_general_ci',
    });
    const list = selectListFor(items, my.name);
    expect(list).toContain('`lk`.`name` = CONVERT(`src`.`kind` USING utf8mb4) COLLATE utf8mb4_general_ci');
    const plans = await my.query<{ table: string; type: string }[]>(
      `EXPLAIN SELECT ${list} FROM \`${my.name}\`.items src`,
    );
    const lookups = plans.filter((p) => p.table === 'lk');
    expect(lookups).toHaveLength(4);
    // ref / eq_ref: a lookup by key per row, not a scan ('index' or 'ALL') of the lookup table.
    for (const p of lookups) expect(['ref', 'eq_ref']).toContain(p.type);
  });
});
