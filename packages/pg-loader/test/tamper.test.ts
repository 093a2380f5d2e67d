// Issue 13 item 13: tampering is refused before anything is committed, in both load modes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConvError, ExitCode, MANIFEST_FILE, type Manifest, silentProgress } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { removeDir, type TableSpec, writeExport } from './helpers.js';

const TABLES = ['t1', 't2', 't3'];
const SPECS: TableSpec[] = TABLES.map((table) => ({
  table,
  columns: ['id', 'amount'],
  rows: [
    ['1', '100'],
    ['2', '250'],
  ],
}));

const db = usePgDatabase(async (d) => {
  for (const t of TABLES) await d.query(`CREATE TABLE ${t} (id int PRIMARY KEY, amount int)`);
  for (const t of TABLES) await d.query(`INSERT INTO ${t} VALUES (9, 9)`);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function fresh(): string {
  const dir = writeExport(SPECS);
  dirs.push(dir);
  return dir;
}

async function targetRows() {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = await db.query(`SELECT id, amount FROM ${t} ORDER BY id`);
  return out;
}
const UNTOUCHED = Object.fromEntries(TABLES.map((t) => [t, [{ id: 9, amount: 9 }]]));

async function refused(promise: Promise<unknown>): Promise<ConvError> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConvError);
  return err as ConvError;
}

describe('tampered export directories', () => {
  it.each(['single-transaction', 'per-table'] as const)(
    '%s: rows and totals.rows edited for the last table → refused before any table is written (exit 7)',
    async (mode) => {
      const dir = fresh();
      const file = join(dir, MANIFEST_FILE);
      const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      m.tables[2]!.rows = 3;
      m.totals.rows += 1;
      writeFileSync(file, JSON.stringify(m));
      const err = await refused(importDirectory({ replace: true, pgUrl: db.url, dir, mode }));
      expect(err.exitCode).toBe(ExitCode.badInput);
      expect(err.message).toContain('t3.csv');
      expect(err.message).toContain('the manifest says 3');
      expect(await targetRows()).toEqual(UNTOUCHED);
    },
  );

  it.each(['single-transaction', 'per-table'] as const)(
    '%s: a file changed after validation (same size) → the hash taken while loading refuses it before COMMIT',
    async (mode) => {
      const dir = fresh();
      const path = join(dir, 't2.csv');
      // Validation is over once the loader reports the strategy: change an amount then (250 → 999).
      const progress = {
        ...silentProgress,
        log(line: string) {
          if (line.startsWith('role ')) writeFileSync(path, readFileSync(path, 'utf8').replace('250', '999'));
        },
      };
      const err = await refused(importDirectory({ replace: true, pgUrl: db.url, dir, mode, progress }));
      expect(err.exitCode).toBe(ExitCode.badInput);
      expect(err.message).toContain('t2.csv');
      expect(err.message).toContain('the file was modified');
      const rows = await targetRows();
      expect(JSON.stringify(rows)).not.toContain('999');
      if (mode === 'single-transaction') expect(rows).toEqual(UNTOUCHED);
      else expect(rows.t2).toEqual([]); // per-table: t1 committed, t2 rolled back, t3 never started
      for (const t of TABLES) await db.query(`TRUNCATE ${t}; INSERT INTO ${t} VALUES (9, 9)`);
    },
  );

  it('an extra CSV in the directory is reported (exit 7), not silently ignored', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'payments.csv'), 'id,amount\n1,1000000\n');
    const err = await refused(importDirectory({ replace: true, pgUrl: db.url, dir }));
    expect(err.exitCode).toBe(ExitCode.badInput);
    expect(err.message).toContain('payments.csv');
    expect(err.message).toContain('not listed');
    expect(await targetRows()).toEqual(UNTOUCHED);
  });
});
