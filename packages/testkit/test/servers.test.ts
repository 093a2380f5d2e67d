import { spawn } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  cleanupStaleDatabases,
  createMysqlDatabase,
  createPgDatabase,
  HOST_TAG,
  isStale,
  newDatabaseName,
  resolveServer,
  testServers,
  useMysqlDatabase,
  usePgDatabase,
} from '../src/index.js';

describe('real servers through the harness', () => {
  const my = useMysqlDatabase();
  const pgdb = usePgDatabase();

  it('creates a table and a row in MySQL/MariaDB and reads it back', async () => {
    await my.query('CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20))');
    await my.query('INSERT INTO t VALUES (?, ?)', [1, 'héllo']);
    const rows = await my.query<{ id: number; note: string }[]>('SELECT id, note FROM t');
    expect(rows).toEqual([{ id: 1, note: 'héllo' }]);
    expect(my.name).toMatch(/^conv_t_/);
    expect(my.server.version).toMatch(/^(MariaDB|MySQL) \d+\.\d+/);
  });

  it('creates a table and a row in PostgreSQL and reads it back', async () => {
    await pgdb.query('CREATE TABLE t (id int PRIMARY KEY, note text)');
    await pgdb.query('INSERT INTO t VALUES ($1, $2)', [1, 'héllo']);
    expect(await pgdb.query('SELECT id, note FROM t')).toEqual([{ id: 1, note: 'héllo' }]);
    expect(pgdb.server.version).toMatch(/^PostgreSQL \d+/);
  });

  it('drops the databases it created', async () => {
    const servers = testServers();
    const m = await createMysqlDatabase(servers.mysql);
    const p = await createPgDatabase(servers.pg);
    await m.drop();
    await p.drop();
    const admin = await mysql.createConnection({ uri: servers.mysql.url });
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [m.name],
    );
    await admin.end();
    expect(rows[0]?.['n']).toBe(0);
    const client = new pg.Client({ connectionString: servers.pg.url });
    await client.connect();
    const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [p.name]);
    await client.end();
    expect(res.rowCount).toBe(0);
  });
});

describe('stale databases of a killed run', () => {
  it('are kept while their process lives and dropped once it is dead', async () => {
    const servers = testServers();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const name = newDatabaseName(Date.now(), pid);
    const admin = await mysql.createConnection({ uri: servers.mysql.url });
    const client = new pg.Client({ connectionString: servers.pg.url });
    await client.connect();
    try {
      await admin.query(`CREATE DATABASE \`${name}\``);
      await client.query(`CREATE DATABASE "${name}"`);
      expect(isStale(name)).toBe(false);
      expect(await cleanupStaleDatabases(servers)).not.toContain(`mysql:${name}`);

      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      expect(isStale(name)).toBe(true);
      const dropped = await cleanupStaleDatabases(servers);
      expect(dropped).toContain(`mysql:${name}`);
      expect(dropped).toContain(`pg:${name}`);
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [name],
      );
      expect(rows[0]?.['n']).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      await admin.end();
      await client.end();
    }
  });

  it('judges names of other hosts by age only', () => {
    const tag = HOST_TAG === '000000' ? '111111' : '000000';
    const named = (ms: number) => `conv_t_${tag}_1_${Math.floor(ms / 1000).toString(36)}_abc123`;
    expect(isStale(named(Date.now() - 7 * 3600 * 1000))).toBe(true);
    expect(isStale(named(Date.now()))).toBe(false);
    expect(isStale('not_a_test_db')).toBe(false);
  });
});

describe('unreachable servers', () => {
  it('give one readable error naming the server and the fix, with no password and no stack', async () => {
    const err = await resolveServer('mysql', {
      CONV_TEST_MYSQL_URL: 'mysql://root:s3cret@127.0.0.1:1/',
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const e = err as Error;
    expect(e.message).toContain('MySQL/MariaDB test server not reachable');
    expect(e.message).toContain('CONV_TEST_MYSQL_URL=mysql://root:***@127.0.0.1:1/');
    expect(e.message).toContain('ECONNREFUSED');
    expect(e.message).toMatch(/Fix: .*start MariaDB/);
    expect(e.message).not.toContain('s3cret');
    expect(e.stack).not.toMatch(/\n\s+at /);
  });

  it('names PostgreSQL and its fix when it is the one that is down', async () => {
    const err = (await resolveServer('pg', {
      CONV_TEST_PG_URL: 'postgres://postgres:pw@127.0.0.1:1/postgres',
    }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('PostgreSQL test server not reachable');
    expect(err.message).toMatch(/Fix: .*pg_ctlcluster/);
    expect(err.message).not.toContain(':pw@');
  });
});
