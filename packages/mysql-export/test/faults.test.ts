// Issue 13 items 2–3: the export's MySQL connection is killed mid-stream (`KILL <id>` from another
// connection). The export must fail, naming the table, with exit code 5, leave no partial file and no
// manifest, and end promptly with one or two jobs (it used to resolve nothing and exit 0, or hang).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvError, ExitCode, type MigrationPlan, type ProgressReporter, silentProgress } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDatabase } from '../src/index.js';
import { tempDir } from './helpers.js';

const ROWS = 60_000;
// Rows from a cross join of digits: works on MariaDB and MySQL 8 alike.
const fill = (table: string) => `
  INSERT INTO ${table} (id, v)
  SELECT a.i + 10 * b.i + 100 * c.i + 1000 * d.i + 10000 * e.i + 1, REPEAT('x', 400)
    FROM digits a, digits b, digits c, digits d, digits e
   WHERE a.i + 10 * b.i + 100 * c.i + 1000 * d.i + 10000 * e.i < ${ROWS}`;

const my = useMysqlDatabase(async (db) => {
  await db.query(
    'CREATE TABLE digits (i int PRIMARY KEY); INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);' +
      'CREATE TABLE big_a (id int PRIMARY KEY, v text); CREATE TABLE big_b (id int PRIMARY KEY, v text)',
  );
  await db.query(fill('big_a'));
  await db.query(fill('big_b'));
});
const pg = usePgDatabase(async (db) => {
  await db.query(
    'CREATE TABLE big_a (id int PRIMARY KEY, v text); CREATE TABLE big_b (id int PRIMARY KEY, v text)',
  );
});

let plan: MigrationPlan;
beforeAll(async () => {
  plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
});

/**
 * Kills (once) the connection streaming `table` when that table has written `after` rows. The KILL runs in
 * a child process while this process is blocked (execFileSync), so the export cannot read the rest of
 * the result first: the kill lands mid-stream every time.
 */
function killer(table: string, after = 2000): { progress: ProgressReporter; killed: () => number } {
  let killed = -1;
  const script = `
    import mysql from 'mysql2/promise';
    const c = await mysql.createConnection({ uri: process.argv[1] });
    const [rows] = await c.query(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE ? AND ID <> CONNECTION_ID()",
      [process.argv[2], '%FROM%' + process.argv[3] + '%']);
    for (const r of rows) await c.query('KILL ' + Number(r.ID));
    process.stdout.write(String(rows.length));
    await c.end();`;
  return {
    killed: () => killed,
    progress: {
      ...silentProgress,
      update(name: string, rows: number) {
        if (name !== table || rows < after || killed >= 0) return;
        const outText = execFileSync(
          process.execPath,
          ['--input-type=module', '-e', script, my.url, my.name, table],
          { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' },
        );
        killed = Number(outText);
      },
    },
  };
}

function walk(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
      )
    : [];
}

describe('export: MySQL connection killed mid-stream', () => {
  for (const jobs of [1, 2]) {
    it(`--jobs ${jobs}: fails with exit 5 naming the table, nothing left behind`, async () => {
      const out = tempDir();
      const k = killer('big_a');
      const err = await exportDatabase({
        mysqlUrl: my.url,
        plan,
        outDir: out,
        app: 'a',
        jobs,
        progress: k.progress,
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(k.killed()).toBe(1);
      expect(err).toBeInstanceOf(ConvError);
      const e = err as ConvError;
      expect(e.exitCode).toBe(ExitCode.connection);
      expect(e.code).toBe('connect.lost');
      expect(e.location.table).toBe('big_a');
      expect(e.message).toMatch(/reading table big_a failed: the connection to MySQL was lost/);
      expect(walk(out)).toEqual([]); // no CSV, no .partial, no manifest
    });
  }
});
