// Issue 13 item 15: a KILL QUERY of the export's SELECT is the server stopping it (exit 5), not exit 1.
import { ConvError, ExitCode } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { exportDatabase } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('KILL QUERY during the export', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(
      'CREATE TABLE slow (id int PRIMARY KEY, v int); INSERT INTO slow SELECT seq, seq FROM seq_1_to_2000',
    );
  });
  const pg = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE slow (id int PRIMARY KEY, v int)');
  });

  it('exit 5 (connection), the table named, the hint says why', async () => {
    const plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    // 10 ms per row through a profile transform: the SELECT runs for seconds.
    const v = plan.tables[0]!.columns.find((c) => c.source === 'v')!;
    v.transform = { kind: 'sql', expression: 'IF(SLEEP(0.01) = 0, {{value}}, {{value}})' };
    const running = exportDatabase({ mysqlUrl: my.url, plan, outDir: tempDir(), app: 'k', jobs: 1 }).catch(
      (e: unknown) => e,
    );
    for (let i = 0; i < 300; i++) {
      const [r] = await my.conn.query(
        "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT%SLEEP(0.01)%' AND ID <> CONNECTION_ID()",
      );
      const id = (r as { id: number }[])[0]?.id;
      if (id) {
        await my.conn.query(`KILL QUERY ${Number(id)}`);
        break;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    const err = await running;
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.exitCode, e.message).toBe(ExitCode.connection);
    expect(e.code).toBe('connect.query-killed');
    expect(e.message).toContain('slow');
    expect(e.hint).toContain('KILL QUERY');
  }, 60_000);
});
