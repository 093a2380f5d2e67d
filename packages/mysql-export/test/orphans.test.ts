// Issue 13 item 15: .partial files a killed export left behind are reported by the next export.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { exportDatabase } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('orphan .partial files', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
  });
  const pg = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE t (id int PRIMARY KEY)');
  });

  it('the next export names the directory, its .partial files and their size; complete exports are not listed', async () => {
    const out = tempDir();
    const killed = join(out, 'app', '20200101_000000');
    mkdirSync(killed, { recursive: true });
    writeFileSync(join(killed, 'big.csv.partial'), Buffer.alloc(3 * 1048576));
    const plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    const first = await exportDatabase({
      mysqlUrl: my.url,
      plan,
      outDir: out,
      app: 'app',
      dirName: 'one',
      jobs: 1,
    });
    const notes = first.notes.join('\n');
    expect(notes).toContain(`${killed} holds 1 .partial file(s), 3.0 MB, and no manifest`);
    expect(notes).not.toContain(join(out, 'app', 'one'));
    const second = await exportDatabase({
      mysqlUrl: my.url,
      plan,
      outDir: out,
      app: 'app',
      dirName: 'two',
      jobs: 1,
    });
    expect(second.notes.filter((n) => n.includes('.partial'))).toHaveLength(1);
  });
});
