// Issue 13: check's own connection killed mid-run (KILL <id> of its MySQL session while it scans, a
// terminated PostgreSQL backend while it reads the catalog) is a connection error, exit 5, not exit 1.
import { ConvError, ExitCode } from '@conv/core';
import { withPg } from '@conv/dialect/postgres';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { checkMigration, introspectMysql, introspectPg, planMigration } from '../src/index.js';

describe('check when a server kills its connection', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(
      'CREATE TABLE slow (id int PRIMARY KEY, v varchar(20)); INSERT INTO slow SELECT seq, seq FROM seq_1_to_3000',
    );
  });
  const pgdb = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE slow (id int PRIMARY KEY, v varchar(20))');
  });

  it('KILL of the MySQL scan connection: exit 5, the table named, a connection hint', async () => {
    const source = await introspectMysql(my.url);
    const plan = planMigration(source, await introspectPg(pgdb.url));
    // 10 ms per row through a profile transform: the scan runs for seconds.
    const v = plan.tables[0]!.columns.find((c) => c.source === 'v')!;
    v.transform = { kind: 'sql', expression: 'IF(SLEEP(0.01) = 0, {{value}}, {{value}})' };
    const running = checkMigration({
      mysql: my.url,
      plan,
      source,
      target: await introspectPg(pgdb.url),
      valueExpression: () => 'IF(SLEEP(0.01) = 0, c.`v`, c.`v`)',
    }).catch((e: unknown) => e);
    let killed = false;
    for (let i = 0; i < 300 && !killed; i++) {
      const [r] = await my.conn.query(
        "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(0.01)%' AND ID <> CONNECTION_ID()",
      );
      const id = (r as { id: number }[])[0]?.id;
      if (id) {
        await my.conn.query(`KILL ${Number(id)}`);
        killed = true;
      } else await new Promise((res) => setTimeout(res, 50));
    }
    expect(killed).toBe(true);
    const err = await running;
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.exitCode, e.message).toBe(ExitCode.connection);
    expect(e.code).toBe('connect.lost');
    expect(e.message).toContain('slow');
    expect(e.hint).toMatch(/KILL/);
  }, 60_000);

  it('a terminated PostgreSQL backend mid-run: exit 5 naming the server, not unexpected', async () => {
    const admin = new pg.Client({ connectionString: pgdb.url });
    await admin.connect();
    try {
      const err = await withPg(
        pgdb.url,
        async (client) => {
          const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          await client.query('SELECT 1');
        },
        { application: 'conv check' },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConvError);
      const e = err as ConvError;
      expect(e.exitCode, e.message).toBe(ExitCode.connection);
      expect(e.message).toContain(new URL(pgdb.url).host);
      expect(e.hint).toMatch(/pg_terminate_backend/);
    } finally {
      await admin.end();
    }
  }, 30_000);
});
