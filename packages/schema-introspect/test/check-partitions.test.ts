// Issue 10 item 2: check reads partitions and inheritance children from the catalog reader the loader uses,
// and reports what the load will do with them. Before, check called a MySQL table whose PostgreSQL table is a
// partition "no table in PostgreSQL" (and told the user to create it), and said nothing of a partitioned
// parent (emptied whole) nor of an inheritance child outside the plan (kept, still read through its parent).
import { readLiveTarget } from '@conv/dialect/postgres';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { checkMigration, introspectMysql, introspectPg, planMigration } from '../src/index.js';

describe('check: partitions and inheritance children in the target', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(`
      CREATE TABLE measure (id int PRIMARY KEY, v varchar(10));
      CREATE TABLE measure_low (id int PRIMARY KEY, v varchar(10));
      CREATE TABLE payment (id int PRIMARY KEY, amount int);
      INSERT INTO measure VALUES (1, 'low'), (50, 'high');`);
  });
  const target = usePgDatabase(async (db) => {
    await db.query(`
      CREATE TABLE measure (id int, v text) PARTITION BY RANGE (id);
      CREATE TABLE measure_low PARTITION OF measure FOR VALUES FROM (0) TO (10);
      CREATE TABLE measure_high PARTITION OF measure FOR VALUES FROM (10) TO (100);
      CREATE TABLE payment (id int PRIMARY KEY, amount int);
      CREATE TABLE payment_2007_01 () INHERITS (payment);
      INSERT INTO payment_2007_01 VALUES (100, 9);`);
  });

  it('knows the facts the loader acts on: partitioned parents, partitions, inheritance parents', async () => {
    const catalog = await introspectPg(target.url);
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    const live = await readLiveTarget(client, 'public').finally(() => client.end());
    const table = (name: string) => catalog.tables.find((t) => t.name === name);
    for (const t of catalog.tables) expect(t.partitioned, t.name).toBe(live.tables.get(t.name)?.partitioned);
    expect(table('measure')?.partitioned).toBe(true);
    expect(table('payment_2007_01')?.inherits).toBe('payment');
    expect(table('payment')?.inherits).toBeNull();
    expect(catalog.partitions).toEqual([
      { name: 'measure_high', parent: 'measure', bound: 'FOR VALUES FROM (10) TO (100)', partitioned: false },
      { name: 'measure_low', parent: 'measure', bound: 'FOR VALUES FROM (0) TO (10)', partitioned: false },
    ]);
    expect(table('measure')?.partitionKey).toBe('RANGE (id)');
    // Every table the loader can load is either a table of check's catalog or one of its partitions.
    const known = [...catalog.tables.map((t) => t.name), ...catalog.partitions.map((p) => p.name)].sort();
    expect(known).toEqual([...live.tables.keys()].sort());
  });

  it('reports them: a partition is no missing table, a partitioned parent is emptied whole, a child is kept', async () => {
    const source = await introspectMysql(my.url);
    const catalog = await introspectPg(target.url);
    const plan = planMigration(source, catalog);
    const report = await checkMigration({ mysql: my.url, plan, source, target: catalog, schemaOnly: true });
    const of = (table: string) => report.findings.filter((f) => f.table === table);

    expect(of('measure_low').map((f) => f.code)).toEqual(['target-is-partition']);
    expect(of('measure_low')[0]?.message).toContain('measure_low is a partition of measure in PostgreSQL');
    expect(of('measure_low')[0]?.fix).not.toMatch(/^create/);
    expect(plan.tables.find((t) => t.source === 'measure_low')?.action).toBe('export-only');

    const parent = of('measure').find((f) => f.code === 'partitioned-target');
    expect(parent?.severity).toBe('info');
    expect(parent?.message).toContain('partitions measure_high, measure_low');

    const child = of('payment_2007_01');
    expect(child.map((f) => f.code)).toEqual(['missing-in-source']);
    expect(child[0]?.message).toContain('inherits from payment');
    // The partitions themselves are not target tables without a source.
    expect(of('measure_high')).toEqual([]);
  });
});
