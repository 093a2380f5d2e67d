// Issue 14: `check` paths where MySQL 8 behaves differently from MariaDB. Each test runs on the server the
// harness found (MariaDB 10.11 on the dev machine; MySQL 8.0/8.4 with `pnpm test:mysql8` or
// CONV_TEST_MYSQL_URL); the MySQL 8 behaviour is also simulated in the generated SQL where MariaDB lacks it.
import type { Finding } from '@conv/core';
import { testServers, useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { rulesFor } from '../src/check/rules.js';
import { SWAPPED_UUID_EXPRESSION } from '../src/check/source-dialect.js';
import {
  type CheckReport,
  checkMigration,
  introspectMysql,
  introspectPg,
  planMigration,
} from '../src/index.js';

/** A v1 UUID's 16 bytes as MySQL 8's UUID_TO_BIN(u, 1) stores them: time-high, time-mid, time-low, rest. */
function swappedBytes(uuid: string): Buffer {
  const h = uuid.replaceAll('-', '');
  return Buffer.from(h.slice(12, 16) + h.slice(8, 12) + h.slice(0, 8) + h.slice(16), 'hex');
}
// Swapped, byte 6 holds the 3rd byte of time-low: 0xd3 and 0xab carry no version nibble (found); 0x78 looks
// like version 7 (a swapped value the heuristic cannot tell from a standard one).
const V1 = [
  'ee0bd3b0-2f0b-11ef-9ab6-0242ac120002',
  '6ccd780c-baba-1026-9564-5b8c656024db',
  'c232ab00-9414-11ec-b3c8-9f6bdeced846',
];
const V4 = '550e8400-e29b-41d4-a716-446655440000';

const mysql8 = () => testServers().mysql.flavor === 'mysql';

describe('check on MySQL 8 / MariaDB differences', () => {
  const my = useMysqlDatabase(async (db) => {
    const mixed = mysql8() ? 'utf8mb4_0900_ai_ci' : 'utf8mb4_unicode_ci';
    await db.query(`
      SET SESSION sql_mode = '';
      CREATE TABLE blobs (id int PRIMARY KEY, raw varbinary(20) NULL);
      INSERT INTO blobs VALUES (1, 'ok'), (2, X'61FF62'), (3, NULL), (4, X'C3A9');
      CREATE TABLE owners (name varchar(40) COLLATE utf8mb4_general_ci PRIMARY KEY) DEFAULT CHARSET utf8mb4;
      INSERT INTO owners VALUES ('alice'), ('bob'), ('zoë');
      CREATE TABLE pets (id int PRIMARY KEY, owner varchar(40) COLLATE ${mixed} NULL) DEFAULT CHARSET utf8mb4;
      INSERT INTO pets VALUES (1, 'alice'), (2, 'ALICE'), (3, 'carol'), (4, NULL), (5, 'zoë'), (6, 'bob ');
      CREATE TABLE ids (id int PRIMARY KEY, u binary(16) NULL);
      CREATE TABLE shapes (id int PRIMARY KEY, g geometry NULL, wkb geometry NULL);
      CREATE TABLE stamps (id int PRIMARY KEY, ts timestamp NOT NULL DEFAULT '2000-01-01 00:00:00', d datetime NOT NULL);
      INSERT INTO stamps VALUES (1, '2020-01-01 00:00:00', '2020-01-01 00:00:00'), (2, '0000-00-00 00:00:00', '0000-00-00 00:00:00');`);
    await db.query('INSERT INTO ids VALUES (1, ?), (2, ?), (3, ?), (4, ?), (5, NULL)', [
      Buffer.from(V4.replaceAll('-', ''), 'hex'),
      ...V1.map(swappedBytes),
    ]);
  });
  const pgdb = usePgDatabase(async (db) => {
    await db.query(`
      CREATE TABLE blobs (id int PRIMARY KEY, raw text);
      CREATE TABLE owners (name varchar(40) PRIMARY KEY);
      CREATE TABLE pets (id int PRIMARY KEY, owner varchar(40) REFERENCES owners (name));
      CREATE TABLE ids (id int PRIMARY KEY, u uuid);
      CREATE TABLE shapes (id int PRIMARY KEY, g text, wkb bytea);
      CREATE TABLE stamps (id int PRIMARY KEY, ts timestamptz NOT NULL, d timestamp NOT NULL);`);
  });
  let report: CheckReport;
  const find = (code: string, table: string, column: string): Finding => {
    const hits = report.findings.filter((f) => f.code === code && f.table === table && f.column === column);
    expect(hits, `${code} on ${table}.${column}`).toHaveLength(1);
    return hits[0]!;
  };

  beforeAll(async () => {
    const source = await introspectMysql(my.conn);
    const target = await introspectPg(pgdb.client);
    const plan = planMigration(source, target);
    report = await checkMigration({ mysql: my.conn, plan, source, target, sampleSize: 5 });
  });

  it('item 1: invalid UTF-8 is counted on this server', () => {
    const f = find('invalid-utf8', 'blobs', 'raw');
    expect(f.count).toBe(1);
    expect(f.samples.map((s) => s.key['id'])).toEqual(['2']);
  });

  it("item 1: invalid UTF-8 is counted where CONVERT(… USING utf8mb4) is NULL (MySQL 8's answer)", async () => {
    const source = await introspectMysql(my.conn);
    const target = await introspectPg(pgdb.client);
    const plan = planMigration(source, target);
    const table = plan.tables.find((t) => t.source === 'blobs')!;
    const pair = table.columns.find((c) => c.source === 'raw')!;
    const column = source.tables.find((t) => t.name === 'blobs')!.columns.find((c) => c.name === 'raw')!;
    const targetColumn = target.tables
      .find((t) => t.name === 'blobs')!
      .columns.find((c) => c.name === 'raw')!;
    const rule = rulesFor(pair, column, targetColumn, {
      table: '`blobs`',
      tableName: 'blobs',
      targetTable: 'blobs',
      targetSchema: 'public',
    }).find((r) => r.code === 'invalid-utf8')!;
    // MySQL 8 returns NULL (warning 1300) for CONVERT(X'61FF62' USING utf8mb4): put that NULL in place of
    // the conversion of row 2 and the condition must still hold for it, and only for it.
    const convert = 'CONVERT(`raw` USING utf8mb4)';
    expect(rule.condition).toContain(convert);
    const asMysql8 = rule.condition.replaceAll(
      convert,
      `IF(id = 2, CAST(NULL AS CHAR CHARACTER SET utf8mb4), ${convert})`,
    );
    const rows = await my.query<{ id: number }[]>(`SELECT id FROM blobs WHERE ${asMysql8} ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual([2]);
    if (mysql8()) {
      const [r] = await my.query<{ c: unknown }[]>("SELECT CONVERT(X'61FF62' USING utf8mb4) AS c");
      expect(r!.c).toBeNull(); // the behaviour the rule is written for
    }
  });

  it('item 2: orphan check across collations (general_ci parent, unicode_ci / 0900_ai_ci child), exact like PostgreSQL', () => {
    const f = find('orphan-rows', 'pets', 'owner');
    // 'ALICE' and 'bob ' match under _ci / PAD SPACE collations, but PostgreSQL's FK compares text exactly.
    expect(f.count).toBe(3);
    expect(f.samples.map((s) => s.key['id'])).toEqual(['2', '3', '6']);
    expect(f.fix).toContain('CAST(CONVERT(c.`owner` USING utf8mb4) AS BINARY)');
  });

  it('item 2: the plain comparison the check used before is an error on this server (1267)', async () => {
    await expect(
      my.query(
        'SELECT COUNT(*) FROM pets c WHERE NOT EXISTS (SELECT 1 FROM owners p WHERE p.name = c.owner)',
      ),
    ).rejects.toMatchObject({ errno: 1267 });
  });

  it('item 3: binary(16) UUIDs stored by UUID_TO_BIN(u, 1) are a warning with a portable transform', async () => {
    const f = find('uuid-swapped', 'ids', 'u');
    expect(f).toMatchObject({ severity: 'warning', count: 2 });
    expect(f.samples.map((s) => s.key['id'])).toEqual(['2', '4']);
    expect(f.fix).toContain('BIN_TO_UUID({{value}}, 1)');
    const json = /(\{"kind":"sql".*?\}) --/.exec(f.fix ?? '')![1]!;
    expect(JSON.parse(json)).toEqual({ kind: 'sql', expression: SWAPPED_UUID_EXPRESSION });
    // The suggested expression gives back the original UUIDs on this server.
    const expr = SWAPPED_UUID_EXPRESSION.replaceAll('{{value}}', 'u');
    const rows = await my.query<{ v: string | null }[]>(`SELECT ${expr} AS v FROM ids ORDER BY id`);
    expect(rows.slice(1).map((r) => r.v)).toEqual([...V1, null]);
  });

  it.runIf(mysql8())(
    'item 3 (MySQL 8 only): the same bytes and results as UUID_TO_BIN / BIN_TO_UUID',
    async () => {
      for (const u of V1) {
        const [r] = await my.query<{ b: Buffer; back: string; mine: string }[]>(
          `SELECT UUID_TO_BIN(?, 1) AS b, BIN_TO_UUID(UUID_TO_BIN(?, 1), 1) AS back,
                ${SWAPPED_UUID_EXPRESSION.replaceAll('{{value}}', 'UUID_TO_BIN(?, 1)')} AS mine`,
          [u, u, ...Array(5).fill(u)],
        );
        expect(r!.b.equals(swappedBytes(u))).toBe(true);
        expect(r!.mine).toBe(r!.back);
      }
    },
  );

  it('item 5: GEOMETRY goes into bytea (as WKB); any other target is a plan error naming the column', async () => {
    const plan = planMigration(await introspectMysql(my.conn), await introspectPg(pgdb.client));
    const shapes = plan.tables.find((t) => t.source === 'shapes')!;
    expect(shapes.columns.find((c) => c.source === 'wkb')?.conversion).toBe('bytea');
    expect(shapes.columns.find((c) => c.source === 'g')).toBeUndefined();
    const issue = plan.issues.find((i) => i.table === 'shapes' && i.column === 'g')!;
    expect(issue).toMatchObject({ severity: 'error', code: 'no-conversion' });
    expect(issue.message).toContain('shapes.g geometry');
    expect(issue.message).toContain('bytea (as WKB');
  });

  it("item 5: the NOT NULL TIMESTAMP zero-date fix lies inside TIMESTAMP's range in any session time zone", async () => {
    const ts = find('zero-date', 'stamps', 'ts');
    const d = find('zero-date', 'stamps', 'd');
    expect(ts.fix).not.toContain("'1970-01-01 00:00:00'");
    expect(d.fix).toContain("'1970-01-01 00:00:00'"); // DATETIME holds it
    const conn = await mysql.createConnection({ uri: my.url, dateStrings: true });
    try {
      await conn.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE', time_zone = '+02:00'");
      // The old suggestion fails in strict mode (out of TIMESTAMP's range).
      await expect(
        conn.query(ts.fix!.replace(/SET `ts` = .*? WHERE/, "SET `ts` = '1970-01-01 00:00:00' WHERE")),
      ).rejects.toThrow();
      await conn.query(ts.fix!);
      await conn.query("SET time_zone = '+00:00'");
      const [rows] = await conn.query('SELECT CAST(ts AS CHAR) AS ts FROM stamps WHERE id = 2');
      expect(rows).toEqual([{ ts: '1970-01-01 00:00:01' }]);
    } finally {
      await conn.end();
    }
  });
});
