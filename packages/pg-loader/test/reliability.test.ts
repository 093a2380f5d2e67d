// Issue 13 items 1 and 4: dropped foreign keys survive whatever follows an interrupted per-table load
// (saved in the target, restored by the next import of any directory and mode); one writer per target
// and per export directory.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConvError } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory, STATE_FILE } from '../src/index.js';
import { DIR_LOCK_FILE } from '../src/target-lock.js';
import { removeDir, type TableSpec, writeExport } from './helpers.js';

const db = usePgDatabase(async (d) => {
  await d.query(`
    CREATE TABLE parent (id int PRIMARY KEY, name text);
    CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id), body text);`);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const specs = (badChild = false): TableSpec[] => [
  {
    table: 'parent',
    columns: ['id', 'name'],
    rows: [
      ['1', 'a'],
      ['2', 'b'],
    ],
  },
  {
    table: 'child',
    columns: ['id', 'parent_id', 'body'],
    rows: [
      ['10', '1', 'x'],
      [badChild ? 'not-an-int' : '11', '2', 'y'],
    ],
  },
];

const exportDir = (badChild = false) => {
  const dir = writeExport(specs(badChild));
  dirs.push(dir);
  return dir;
};

const fks = () =>
  db.query<{ conname: string; convalidated: boolean }>(
    `SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' ORDER BY conname`,
  );

async function failure(p: Promise<unknown>): Promise<ConvError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConvError);
  return err as ConvError;
}

describe('foreign keys dropped by an interrupted per-table load', () => {
  it('are saved in the target and restored by a single-transaction import of another directory', async () => {
    const first = exportDir(true);
    await failure(
      importDirectory({
        replace: true,
        pgUrl: db.url,
        dir: first,
        mode: 'per-table',
        fkStrategy: 'drop-recreate',
      }),
    );
    expect(await fks()).toEqual([]); // dropped, parent committed, child failed
    const saved = await db.query<{ name: string }>('SELECT name FROM conv_state.saved_foreign_keys');
    expect(saved).toEqual([{ name: 'child_parent_id_fkey' }]);
    rmSync(join(first, STATE_FILE)); // what docs/troubleshooting.md used to suggest

    // A new export, the default mode, and a strategy that drops nothing: the key still comes back.
    const result = await importDirectory({
      replace: true,
      pgUrl: db.url,
      dir: exportDir(),
      fkStrategy: 'replica',
    });
    expect(result.loaded.map((t) => t.table)).toEqual(['parent', 'child']);
    expect(await fks()).toEqual([{ conname: 'child_parent_id_fkey', convalidated: true }]);
    expect(await db.query('SELECT * FROM conv_state.saved_foreign_keys')).toEqual([]);
  });

  it('are restored by a per-table re-run with no state file', async () => {
    const first = exportDir(true);
    await failure(
      importDirectory({
        replace: true,
        pgUrl: db.url,
        dir: first,
        mode: 'per-table',
        fkStrategy: 'drop-recreate',
      }),
    );
    expect(await fks()).toEqual([]);
    rmSync(join(first, STATE_FILE));
    await importDirectory({
      replace: true,
      pgUrl: db.url,
      dir: exportDir(),
      mode: 'per-table',
      fkStrategy: 'ordered',
    });
    expect(await fks()).toEqual([{ conname: 'child_parent_id_fkey', convalidated: true }]);
  });
});

describe('one writer per target and per directory', () => {
  it('a second import into a target being written is refused before writing', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('conv import'), hashtext('public'))`);
      await db.query(`UPDATE parent SET name = 'kept' WHERE id = 1`);
      const err = await failure(importDirectory({ replace: true, pgUrl: db.url, dir: exportDir() }));
      expect(err.code).toBe('target.busy');
      expect(err.message).toMatch(/another conv import is writing into .* \(PostgreSQL backend \d+/);
      expect(await db.query('SELECT name FROM parent WHERE id = 1')).toEqual([{ name: 'kept' }]);
    } finally {
      await holder.end();
    }
    await importDirectory({ replace: true, pgUrl: db.url, dir: exportDir() }); // released with the holder's session
  });

  it('a directory locked by a live process is refused; a dead holder is taken over', async () => {
    const dir = exportDir();
    writeFileSync(
      join(dir, DIR_LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'x' }),
    );
    const err = await failure(importDirectory({ replace: true, pgUrl: db.url, dir }));
    expect(err.code).toBe('dir.busy');
    expect(err.message).toContain(`pid ${process.pid}`);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, DIR_LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), startedAt: 'x' }));
    const ok = await importDirectory({ replace: true, pgUrl: db.url, dir });
    expect(ok.loaded).toHaveLength(2);
  });

  it('same-second imports of one directory: the second is refused or runs after, never a raw EEXIST', async () => {
    const dir = exportDir();
    const now = new Date('2026-03-04T05:06:07Z');
    const runs = await Promise.allSettled(
      [1, 2, 3].map(() => importDirectory({ replace: true, pgUrl: db.url, dir, now })),
    );
    expect(runs.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    for (const r of runs) {
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(ConvError);
        expect(['dir.busy', 'target.busy']).toContain((r.reason as ConvError).code);
      }
    }
  });
});

describe('an unfinished import of another plan', () => {
  it('is not resumed: the state file names it, nothing is written', async () => {
    const dir = exportDir();
    const now = new Date().toISOString();
    writeFileSync(
      join(dir, STATE_FILE),
      JSON.stringify({
        stateVersion: 1,
        planHash: 'another-plan',
        target: 'elsewhere:5432/db schema public',
        strategy: 'ordered',
        tables: ['parent', 'child'],
        phase: 'loading',
        done: ['parent'],
        droppedForeignKeys: [],
        startedAt: now,
        updatedAt: now,
      }),
    );
    const err = await failure(importDirectory({ pgUrl: db.url, dir, mode: 'per-table', replace: true }));
    // The message docs/troubleshooting.md shows under exit 6.
    expect(err.message).toBe(
      `${dir}/import_state.json records an unfinished import of another plan or into another target (elsewhere:5432/db schema public): cannot resume`,
    );
    expect(err.hint).toContain('remove import_state.json');
  });
});
