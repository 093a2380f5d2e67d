// One consistent snapshot across connections; honest fallback when the global read lock is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationPlan } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { newDatabaseName, useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDatabase } from '../src/index.js';
import { tempDir } from './helpers.js';

const my = useMysqlDatabase(async (db) => {
  await db.query(`
    CREATE TABLE first (id int PRIMARY KEY);
    CREATE TABLE second (id int PRIMARY KEY);
    CREATE TABLE third (id int PRIMARY KEY);
    INSERT INTO first VALUES (1), (2), (3);
    INSERT INTO second VALUES (1), (2);
    INSERT INTO third VALUES (1);`);
});
const pg = usePgDatabase();

let plan: MigrationPlan;
const user = newDatabaseName().slice(0, 32);
const password = 'pw-Only-For-This-Test-1';

beforeAll(async () => {
  plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
  for (const t of plan.tables) t.approxBytes = { first: 3, second: 2, third: 1 }[t.source] ?? 0;
  // A user without RELOAD: FLUSH TABLES WITH READ LOCK is refused.
  for (const host of ['localhost', '127.0.0.1', '%']) {
    await my.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${password}'`);
    await my.query(`GRANT SELECT ON \`${my.name}\`.* TO '${user}'@'${host}'`);
  }
});
afterAll(async () => {
  for (const host of ['localhost', '127.0.0.1', '%'])
    await my.query(`DROP USER IF EXISTS '${user}'@'${host}'`);
});

let n = 100;
async function countsAfterConcurrentWrites(jobs: number, url = my.url) {
  const result = await exportDatabase({
    mysqlUrl: url,
    plan,
    outDir: tempDir(),
    app: 'snap',
    jobs,
    // Rows committed after the snapshot began must not appear in any table, whichever connection reads it.
    onTableStart: async () => {
      for (const table of ['first', 'second', 'third'])
        await my.query(`INSERT INTO ${table} VALUES (${n++})`);
    },
  });
  return result;
}

describe('consistent snapshot', () => {
  it('with several connections: taken together under a brief global read lock', async () => {
    const before = { first: 3, second: 2, third: 1 };
    const result = await countsAfterConcurrentWrites(3);
    expect(result.manifest.source.snapshot).toMatchObject({ consistent: true, connections: 3 });
    for (const t of result.manifest.tables) {
      expect(t.rows, t.table).toBe(before[t.table as keyof typeof before]);
      const lines = readFileSync(join(result.dir, t.file), 'utf8').trimEnd().split('\n');
      expect(lines.length - 1, t.table).toBe(t.rows);
    }
    const [r] = await my.conn.query('SELECT COUNT(*) AS n FROM first');
    expect(Number((r as { n: number }[])[0]!.n)).toBe(3 + 3); // the writes did happen
  });

  it('when the lock is refused (no RELOAD): one connection, still consistent, and says so', async () => {
    const [r] = await my.conn.query('SELECT COUNT(*) AS n FROM first');
    const before = Number((r as { n: number }[])[0]!.n);
    const u = new URL(my.url);
    u.username = user;
    u.password = password;
    const result = await countsAfterConcurrentWrites(3, u.toString());
    expect(result.manifest.source.snapshot).toMatchObject({ consistent: true, connections: 1 });
    expect(result.notes.join('\n')).toMatch(/global read lock refused .*exported on one connection/);
    expect(result.manifest.tables.find((t) => t.table === 'first')!.rows).toBe(before);
    const text = readFileSync(join(result.dir, 'migration_manifest.json'), 'utf8');
    expect(text).not.toContain(password);
  });

  it('with one connection: consistent without any lock', async () => {
    const [r] = await my.conn.query('SELECT COUNT(*) AS n FROM third');
    const before = Number((r as { n: number }[])[0]!.n);
    const result = await countsAfterConcurrentWrites(1);
    expect(result.manifest.source.snapshot).toMatchObject({ consistent: true, connections: 1 });
    expect(result.manifest.tables.find((t) => t.table === 'third')!.rows).toBe(before);
  });

  it('a non-transactional table is recorded honestly as not covered', async () => {
    await my.query('CREATE TABLE loose (id int PRIMARY KEY) ENGINE=MyISAM; INSERT INTO loose VALUES (1)');
    const withLoose = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    const result = await exportDatabase({
      mysqlUrl: my.url,
      plan: withLoose,
      outDir: tempDir(),
      app: 'snap',
    });
    expect(result.manifest.source.snapshot.consistent).toBe(false);
    expect(result.notes.join('\n')).toMatch(/non-transactional engine.*`loose` \(MyISAM\)/);
    await my.query('DROP TABLE loose');
  });
});
