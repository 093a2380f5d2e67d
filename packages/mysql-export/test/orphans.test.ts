// Issue 13 item 15: .partial files a killed export left behind are removed by the next export — only
// conv's own leftovers, only while holding the directory's lock; a running export's directory (live lock
// holder) and an unlocked directory touched within the hour are left alone and reported.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DIR_LOCK_FILE } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { exportDatabase } from '../src/index.js';
import { tempDir } from './helpers.js';

const MB = 1048576;

describe('orphan .partial files', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
  });
  const pg = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE t (id int PRIMARY KEY)');
  });

  const lockOf = (pid: number) =>
    JSON.stringify({ pid, host: hostname(), startedAt: 'x', activity: 'export' });

  it('killed (dead lock holder, or unlocked for an hour): removed; running or recent unlocked: left alone; all reported', async () => {
    const out = tempDir();
    const app = join(out, 'app');
    const dir = (name: string, files: Record<string, Buffer | string>) => {
      const d = join(app, name);
      mkdirSync(d, { recursive: true });
      for (const [n, content] of Object.entries(files)) writeFileSync(join(d, n), content);
      return d;
    };
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const killed = dir('20200101_000000', {
      'big.csv.partial': Buffer.alloc(3 * MB),
      'done.csv': 'id\n1\n',
      [DIR_LOCK_FILE]: lockOf(dead),
    });
    const running = dir('20200101_000001', {
      'big.csv.partial': Buffer.alloc(MB),
      [DIR_LOCK_FILE]: lockOf(process.pid),
    });
    const recent = dir('20200101_000002', { 'big.csv.partial': Buffer.alloc(MB) });
    const old = dir('20200101_000003', {
      'big.csv.partial': Buffer.alloc(2 * MB),
      'migration_manifest.json.tmp': '{}',
    });
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    for (const n of readdirSync(old)) utimesSync(join(old, n), hourAgo, hourAgo);
    const complete = dir('20200101_000004', {
      'x.csv.partial': 'x',
      migration_manifest: '',
      'migration_manifest.json': '{}',
    });

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

    expect(readdirSync(killed).sort()).toEqual(['done.csv']); // lock released, complete-table CSV kept
    expect(notes).toContain(`${killed}: removed 1 .partial file(s), 3.0 MB left by an interrupted export`);
    expect(notes).toContain('1 other file(s) of that incomplete export are left');

    expect(readdirSync(running).sort()).toEqual(['big.csv.partial', DIR_LOCK_FILE].sort());
    expect(notes).toContain(
      `${running} holds 1 .partial file(s), 1.0 MB and no manifest: an export still runs there`,
    );
    expect(notes).toContain(`pid ${process.pid}`);

    expect(readdirSync(recent)).toEqual(['big.csv.partial']);
    expect(notes).toContain(`${recent} holds 1 .partial file(s), 1.0 MB, no manifest and no lock`);

    expect(existsSync(old)).toBe(false); // nothing else in it: the directory went too
    expect(notes).toContain(`${old}: removed 2 .partial file(s)`);

    expect(readdirSync(complete)).toContain('x.csv.partial'); // a complete export is never touched
    expect(notes).not.toContain(complete);
    expect(notes).not.toContain(join(app, 'one'));
    // The export's own lock is gone once it completed.
    expect(readdirSync(first.dir)).not.toContain(DIR_LOCK_FILE);

    const second = await exportDatabase({
      mysqlUrl: my.url,
      plan,
      outDir: out,
      app: 'app',
      dirName: 'two',
      jobs: 1,
    });
    expect(second.notes.filter((n) => n.includes('.partial'))).toHaveLength(2); // running, recent
  });
});
