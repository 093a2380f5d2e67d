// Issue 16 item 6: two exports started in the same second never share a directory; a failed export's
// cleanup removes only its own files.
import { readdirSync } from 'node:fs';
import { MANIFEST_FILE, type MigrationPlan } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDatabase } from '../src/index.js';
import { tempDir } from './helpers.js';

const my = useMysqlDatabase(async (db) => {
  await db.query(`
    CREATE TABLE a (id int PRIMARY KEY, v text);
    CREATE TABLE b (id int PRIMARY KEY, v text);
    INSERT INTO a VALUES (1, 'x'), (2, 'y');
    INSERT INTO b VALUES (1, 'z');`);
});
const pg = usePgDatabase(async (db) => {
  await db.query('CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, v text);');
});

let plan: MigrationPlan;
beforeAll(async () => {
  plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
});

describe('export directories (item 6)', () => {
  it('gives each of several exports started in the same second its own complete directory', async () => {
    const out = tempDir();
    const now = new Date('2026-03-04T05:06:07Z');
    const runs = await Promise.allSettled(
      [1, 2, 3, 4].map(() => exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 'a', now })),
    );
    expect(runs.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const dirs = runs.map((r) => (r as PromiseFulfilledResult<{ dir: string }>).value.dir);
    expect(new Set(dirs).size).toBe(4);
    for (const dir of dirs) expect(readdirSync(dir).sort()).toEqual(['a.csv', 'b.csv', MANIFEST_FILE]);
  });

  it("a failed export removes its own directory only, never another export's files", async () => {
    const out = tempDir();
    const now = new Date('2026-03-04T05:06:08Z');
    const broken = structuredClone(plan);
    broken.tables.find((t) => t.source === 'b')!.source = 'no_such_table';
    // Started together: the broken one fails while the good one is writing the same file names.
    const [good, bad] = await Promise.allSettled([
      exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 'a', now }),
      exportDatabase({ mysqlUrl: my.url, plan: broken, outDir: out, app: 'a', now }),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good.status).toBe('fulfilled');
    const dir = (good as PromiseFulfilledResult<{ dir: string }>).value.dir;
    expect(readdirSync(dir).sort()).toEqual(['a.csv', 'b.csv', MANIFEST_FILE]);
    expect(readdirSync(`${out}/a`)).toEqual([dir.split('/').at(-1)]);
  });
});
