// Profile transforms (base64, lookup, sql) are MySQL expressions: a binlog row goes through the export's own
// SELECT expression (over a derived table of the row image), so the catch-up writes what the export wrote.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportDatabase } from '@conv/mysql-export';
import { importDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { type BinlogServer, startBinlogMariadb, usePgDatabase } from '@conv/testkit';
import { verifyMigration } from '@conv/verify';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCutover } from '../src/index.js';

const SPACE = '11111111-1111-4111-8111-111111111111';
let server: BinlogServer;
let work: string;
const pg = usePgDatabase(async (db) => {
  await db.query(`
    CREATE TABLE kinds (id uuid PRIMARY KEY, name varchar(50) NOT NULL);
    CREATE TABLE items (id int PRIMARY KEY, avatar text, "kindId" varchar(50), label varchar(20));`);
});

beforeAll(async () => {
  server = await startBinlogMariadb();
  work = await mkdtemp(join(tmpdir(), 'conv-binlog-tr-'));
});
afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

it('base64, lookup and sql transforms give the same values through the binlog as through the export; cutover --set-read-only', async () => {
  const url = `${server.url}app`;
  const admin = await mysql.createConnection({ uri: server.url, multipleStatements: true });
  await admin.query(`CREATE DATABASE app; USE app;
    CREATE TABLE kinds (id char(36) PRIMARY KEY, name varchar(50) NOT NULL);
    CREATE TABLE items (id int PRIMARY KEY, avatar blob, kindId varchar(50), label varchar(20));
    INSERT INTO kinds VALUES ('${SPACE}', 'space');
    INSERT INTO items VALUES (1, x'00ff10', 'space', 'abc');`);
  const plan = planMigration(await introspectMysql(url), await introspectPg(pg.client), {
    transforms: {
      'items.avatar': { kind: 'base64' },
      'items.kindId': { kind: 'lookup', table: 'kinds', matchColumn: 'name', valueColumn: 'id' },
      'items.label': { kind: 'sql', expression: 'UPPER({{value}})' },
    },
  });
  const exp = await exportDatabase({ mysqlUrl: url, plan, outDir: work, app: 'tr' });
  await importDirectory({ pgUrl: pg.url, dir: exp.dir });
  const avatar = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 13) % 256));
  await admin.query("INSERT INTO items VALUES (2, ?, 'space', 'def'), (3, NULL, 'other', NULL)", [avatar]);
  await admin.query("UPDATE items SET label = 'ghi', avatar = x'0102' WHERE id = 1");

  // --set-read-only: conv makes the source refuse writes, and says how to undo it
  const result = await runCutover({
    mysqlUrl: url,
    pgUrl: pg.url,
    manifest: exp.manifest,
    setReadOnly: true,
  });
  const [[ro]] = (await admin.query('SELECT @@GLOBAL.read_only AS ro')) as unknown as [[{ ro: number }]];
  expect(ro.ro).toBe(1);
  expect(result.readOnlyUndo).toBe('SET GLOBAL read_only = OFF');
  await admin.query(result.readOnlyUndo!);
  await admin.end();
  expect(result.sync.appliedEvents).toBe(3);
  expect(await pg.query('SELECT id, avatar, "kindId", label FROM items ORDER BY id')).toEqual([
    { id: 1, avatar: Buffer.from([1, 2]).toString('base64'), kindId: SPACE, label: 'GHI' },
    { id: 2, avatar: avatar.toString('base64'), kindId: SPACE, label: 'DEF' },
    { id: 3, avatar: null, kindId: 'other', label: null },
  ]);
  const again = await verifyMigration({ mysqlUrl: url, pgUrl: pg.url, plan });
  expect(again.tables.every((t) => t.checksumMatch)).toBe(true);
});
