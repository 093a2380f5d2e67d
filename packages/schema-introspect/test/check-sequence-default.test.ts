// Issue 10 item 2: check reads the target with the loader's catalog queries, so a column whose default
// calls a sequence it does not own (`DEFAULT nextval('free_seq')`, common in ported schemas) has that
// sequence: the load restarts it, so check must see its headroom too (before, only owned ones counted).
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { checkMigration, introspectMysql, introspectPg, planMigration } from '../src/index.js';

describe('check: headroom of a sequence the default calls', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(`
      CREATE TABLE free_small (id smallint PRIMARY KEY, v int);
      INSERT INTO free_small VALUES (1, 1), (32767, 2);`);
  });
  const pg = usePgDatabase(async (db) => {
    await db.query(`
      CREATE SEQUENCE free_seq;
      CREATE TABLE free_small (id smallint DEFAULT nextval('free_seq') PRIMARY KEY, v int);`);
  });

  it('reports the smallint column at 32767 through its unowned sequence', async () => {
    const source = await introspectMysql(my.url);
    const target = await introspectPg(pg.url);
    expect(target.tables[0]?.columns[0]?.sequence).toBe('public.free_seq');
    const plan = planMigration(source, target);
    const report = await checkMigration({ mysql: my.url, plan, source, target });
    const found = report.findings.filter((f) => f.code === 'sequence-overflow');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'error', table: 'free_small', column: 'id', count: 1 });
    expect(found[0]?.message).toMatch(/its sequence public\.free_seq cannot restart/);
  });
});
