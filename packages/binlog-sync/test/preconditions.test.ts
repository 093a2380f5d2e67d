import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvError, type Manifest } from '@conv/core';
import { connectMysql } from '@conv/dialect/mysql';
import { exportDatabase } from '@conv/mysql-export';
import { importDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { type BinlogServer, startBinlogMariadb, usePgDatabase } from '@conv/testkit';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPreconditions, startSync } from '../src/index.js';
import { currentBinlogPosition, sourceFlavor, statementTouches } from '../src/internal.js';

async function refusal(p: Promise<unknown>): Promise<ConvError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConvError);
  return err as ConvError;
}

describe('preconditions', () => {
  it('refuses binlog_format=STATEMENT and a minimal row image, naming both', async () => {
    const server = await startBinlogMariadb({ binlogFormat: 'STATEMENT', binlogRowImage: 'MINIMAL' });
    try {
      const conn = await mysql.createConnection({ uri: server.url });
      const start = await currentBinlogPosition(conn);
      const err = await refusal(checkPreconditions(conn, await sourceFlavor(conn), start));
      await conn.end();
      expect(err.exitCode).toBe(3);
      expect(err.message).toMatch(/binlog_format is STATEMENT, ROW is required/);
      expect(err.message).toMatch(/binlog_row_image is MINIMAL, FULL is required/);
    } finally {
      await server.stop();
    }
  });
});

describe('against a ROW binlog server', () => {
  let server: BinlogServer;
  let work: string;
  const PG_SCHEMA =
    'CREATE TABLE item (id int PRIMARY KEY, name text); CREATE TABLE other_x (id int PRIMARY KEY)';
  const pgA = usePgDatabase(async (db) => {
    await db.client.query(PG_SCHEMA);
  });
  const pgB = usePgDatabase(async (db) => {
    await db.client.query(PG_SCHEMA);
  });
  const manifests: Record<string, Manifest> = {};
  const urlOf = (db: string) => `${server.url}${db}`;

  async function app(db: string, pgUrl: string, pgClient: Parameters<typeof introspectPg>[0]) {
    const admin = await mysql.createConnection({ uri: server.url, multipleStatements: true });
    await admin.query(
      `CREATE DATABASE ${db}; USE ${db}; CREATE TABLE item (id INT PRIMARY KEY, name TEXT); CREATE TABLE other_x (id INT PRIMARY KEY); CREATE TABLE unplanned (id INT PRIMARY KEY); INSERT INTO item VALUES (1, 'one')`,
    );
    await admin.end();
    const plan = planMigration(await introspectMysql(urlOf(db)), await introspectPg(pgClient));
    const exp = await exportDatabase({ mysqlUrl: urlOf(db), plan, outDir: work, app: db });
    manifests[db] = exp.manifest;
    await importDirectory({ pgUrl, dir: exp.dir });
  }

  beforeAll(async () => {
    server = await startBinlogMariadb();
    work = await mkdtemp(join(tmpdir(), 'conv-binlog-pre-'));
    const admin = await mysql.createConnection({ uri: server.url, multipleStatements: true });
    await admin.query("CREATE USER 'low'@'%' IDENTIFIED BY 'pw'; GRANT SELECT ON *.* TO 'low'@'%'");
    await admin.end();
    await app('app_a', pgA.url, pgA.client);
    await app('app_b', pgB.url, pgB.client);
  });
  afterAll(async () => {
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses a user without replication privileges and a start file that is gone', async () => {
    const u = new URL(urlOf('app_a'));
    u.username = 'low';
    u.password = 'pw';
    const conn = await connectMysql(u.toString());
    const err = await refusal(
      checkPreconditions(conn, await sourceFlavor(conn), { file: 'binlog.000000', position: 4 }),
    );
    await conn.end();
    expect(err.message).toMatch(/lacks REPLICATION SLAVE/);
    expect(err.message).toMatch(/lacks BINLOG MONITOR/);
    expect(err.message).not.toMatch(/pw/);
    const root = await connectMysql(urlOf('app_a'));
    const gone = await refusal(
      checkPreconditions(root, await sourceFlavor(root), { file: 'binlog.000000', position: 4 }),
    );
    await root.end();
    expect(gone.message).toMatch(/binlog file binlog\.000000 .* is no longer on the server/);
    expect(gone.message).not.toMatch(/lacks/);
  });

  it('ignores unplanned tables, and stops with a clear error on DDL against a planned table', async () => {
    const url = urlOf('app_a');
    const conn = await mysql.createConnection({ uri: url });
    await conn.query('INSERT INTO unplanned VALUES (1)');
    await conn.query('ALTER TABLE unplanned ADD COLUMN x INT');
    await conn.query("INSERT INTO item VALUES (2, 'two')");
    const caughtUp = await startSync({
      mysqlUrl: url,
      pgUrl: pgA.url,
      manifest: manifests['app_a']!,
      until: 'caught-up',
    });
    const r = await caughtUp.done;
    expect(r.reason).toBe('reached');
    expect(r.appliedEvents).toBe(1);
    expect(await pgA.query('SELECT id, name FROM item ORDER BY id')).toEqual([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);

    await conn.query('ALTER TABLE item ADD COLUMN extra INT');
    const handle = await startSync({ mysqlUrl: url, pgUrl: pgA.url, manifest: manifests['app_a']! });
    const err = await refusal(handle.done);
    await conn.end();
    expect(err.code).toBe('sync.statement');
    expect(err.message).toMatch(/`ALTER TABLE …` on planned table `item`/);
  });

  it('stops on DML logged in STATEMENT format for a planned table (a session can override ROW)', async () => {
    const url = urlOf('app_b');
    const conn = await mysql.createConnection({ uri: url });
    await conn.query("SET SESSION binlog_format = 'STATEMENT'");
    await conn.query('INSERT INTO other_x VALUES (5)');
    await conn.end();
    const handle = await startSync({ mysqlUrl: url, pgUrl: pgB.url, manifest: manifests['app_b']! });
    const err = await refusal(handle.done);
    expect(err.message).toMatch(/`INSERT INTO …` on planned table `other_x`/);
    expect(
      statementTouches('INSERT INTO other_xy VALUES (5)', 'app_b', 'app_b', ['other_x']),
    ).toBeUndefined();
  });
});
