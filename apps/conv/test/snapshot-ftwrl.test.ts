// Issue 13 item 10: the FLUSH TABLES WITH READ LOCK path (MySQL 5.7/8.x/9.x, MariaDB < 10.4) run for real:
// a MariaDB of the test's own (idle: the shared server never is, and FTWRL is only tried when no statement
// has run for a second), the snapshot opened as for a MySQL 8 server (version '8.0.36' selects FTWRL).
// All connections see the same moment, the lock is released (a writer goes through right after), and
// the snapshot says how it was taken.
import { connectMysql } from '@conv/dialect/mysql';
import { openSnapshot } from '@conv/mysql-export';
import { withDatabase } from '@conv/testkit';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnMariadb, startMariadb } from './own-mariadb.js';

describe('FTWRL snapshot path (as for MySQL 8)', () => {
  let server: OwnMariadb;
  let url = '';
  beforeAll(async () => {
    server = await startMariadb(['--log-bin=binlog', '--server-id=1']);
    const admin = await mysql.createConnection({ uri: server.url, multipleStatements: true });
    await admin.query(
      'CREATE DATABASE src; CREATE TABLE src.t (id int PRIMARY KEY); INSERT INTO src.t VALUES (1);',
    );
    await admin.end();
    url = withDatabase(server.url, 'src');
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it('three connections start under FLUSH TABLES WITH READ LOCK, see one moment, the lock is released', async () => {
    const conns = [await connectMysql(url), await connectMysql(url), await connectMysql(url)];
    const writer = await mysql.createConnection({ uri: url });
    try {
      const info = await openSnapshot(conns, true, () => connectMysql(url), '8.0.36');
      expect('lockRefused' in info ? info.lockRefused : '').toBe('');
      if ('lockRefused' in info) return;
      expect(info.notes).toContain('snapshots started under FLUSH TABLES WITH READ LOCK');
      expect(info.connections).toBe(3);
      expect(info.binlogFile).toMatch(/^binlog\./);
      // Released: a write commits at once (lock_wait_timeout would fail it otherwise).
      await writer.query('SET SESSION lock_wait_timeout = 1');
      await writer.query('INSERT INTO t VALUES (2)');
      for (const c of conns) {
        const [r] = await c.query('SELECT COUNT(*) AS n FROM t');
        expect(Number((r as { n: number }[])[0]!.n)).toBe(1);
      }
    } finally {
      for (const c of conns) await c.end().catch(() => {});
      await writer.end();
    }
  }, 60_000);
});
