// "Did it roll back" is decided once (the loader knows whether it rolled its transaction back): `import`
// and the import step of `run` log the same status on the same failing input.
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { cli, tempDir } from './helpers.js';

async function lastEvent(cwd: string) {
  return (await readAuditLog(join(cwd, 'migration_log.json'))).migration_runs.at(-1);
}

/** `export` then `import <dir>` with the same flags, each in its own directory and audit log. */
async function exportThenImport(urls: string[], flags: string[]) {
  const cwd = tempDir();
  const exported = await cli(['export', ...urls, '--json'], { cwd });
  expect(exported.code, exported.stderr).toBe(ExitCode.ok);
  const { dir } = JSON.parse(exported.stdout) as { dir: string };
  const res = await cli(['import', dir, ...urls, ...flags], { cwd });
  return { res, event: await lastEvent(cwd) };
}

async function run(urls: string[], flags: string[]) {
  const cwd = tempDir();
  const res = await cli(['run', ...urls, ...flags], { cwd });
  return { res, event: await lastEvent(cwd) };
}

describe('a load refused before anything is written (ordered on an FK cycle)', () => {
  const CYCLE = `
    CREATE TABLE node_a (id INT PRIMARY KEY, b_id INT NULL);
    CREATE TABLE node_b (id INT PRIMARY KEY, a_id INT NULL REFERENCES node_a (id));
    ALTER TABLE node_a ADD CONSTRAINT node_a_b FOREIGN KEY (b_id) REFERENCES node_b (id);`;
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(
      CYCLE.replace('REFERENCES node_a (id)', ', FOREIGN KEY (a_id) REFERENCES node_a (id)'),
    );
    await db.conn.query('INSERT INTO node_a VALUES (1, NULL); INSERT INTO node_b VALUES (1, 1)');
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(CYCLE);
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('import and run both log failed (nothing was begun, so nothing was rolled back), exit 2', async () => {
    const flags = ['--fk-strategy', 'ordered'];
    const imported = await exportThenImport(urls(), flags);
    const ran = await run(urls(), flags);
    expect(imported.res.code, imported.res.stderr).toBe(ExitCode.usage);
    expect(ran.res.code, ran.res.stderr).toBe(ExitCode.usage);
    expect(imported.res.stderr).toContain('ordered cannot load');
    expect(imported.event).toMatchObject({ status: 'failed' });
    expect(ran.event).toMatchObject({ status: 'failed' });
    expect(ran.event?.message).toContain('ordered cannot load');
  });
});

describe('a row PostgreSQL rejects during the load', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
    await db.client.query(
      'ALTER TABLE post ADD CONSTRAINT post_score_small CHECK (score IS NULL OR score < 15)',
    );
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('import and run both log rolled_back, exit 6', async () => {
    const imported = await exportThenImport(urls(), []);
    const ran = await run(urls(), []);
    expect(imported.res.code, imported.res.stderr).toBe(ExitCode.loadFailed);
    expect(ran.res.code, ran.res.stderr).toBe(ExitCode.loadFailed);
    expect(imported.event).toMatchObject({ status: 'rolled_back' });
    expect(ran.event).toMatchObject({ status: 'rolled_back' });
  });
});
