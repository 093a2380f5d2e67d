// A duplicate on a DEFERRABLE INITIALLY DEFERRED unique constraint is checked at COMMIT — and not at all
// under session_replication_role = replica (its recheck trigger does not fire: the duplicate used to be
// committed, exit 0). Every strategy and mode must refuse it naming table, constraint and key, roll back
// (single-transaction: the rows already in the target stay), and fail with exit 6.
import { ConvError, ExitCode } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { removeDir, writeExport } from './helpers.js';

const db = usePgDatabase(async (d) => {
  await d.query(`CREATE TABLE item (id int PRIMARY KEY, code text,
      CONSTRAINT item_code_key UNIQUE (code) DEFERRABLE INITIALLY DEFERRED);
    INSERT INTO item VALUES (100, 'kept')`);
});
const dirs: string[] = [];
/** A fresh directory per run: a failed per-table import leaves its resume state in its directory. */
const exportDir = () => {
  const dir = writeExport([
    {
      table: 'item',
      columns: ['id', 'code'],
      rows: [
        ['1', 'a'],
        ['2', 'b'],
        ['3', 'a'],
        ['4', null],
        ['5', null],
      ],
    },
  ]);
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) removeDir(d);
});

describe('deferred unique constraints', () => {
  it.each([
    ['replica', 'single-transaction'],
    ['replica', 'per-table'],
    ['drop-recreate', 'single-transaction'],
    ['drop-recreate', 'per-table'],
    ['ordered', 'single-transaction'],
  ] as const)(
    '%s, %s: refused naming table, constraint and key; rolled back',
    async (fkStrategy, mode) => {
      await db.query("DELETE FROM item; INSERT INTO item VALUES (100, 'kept')");
      const err = await importDirectory({
        replace: true,
        pgUrl: db.url,
        dir: exportDir(),
        fkStrategy,
        mode,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConvError);
      const e = err as ConvError;
      expect(e.exitCode, e.message).toBe(ExitCode.loadFailed);
      expect(e.message).toContain('item_code_key');
      expect(e.message).toMatch(/\bitem\b/);
      expect(e.message).toMatch(/code=a|\(code\)=\(a\)/);
      expect(e.location.table).toBe('item');
      expect(e.hint).toMatch(/duplicates/);
      // per-table: the emptying (TRUNCATE) was committed before the tables, by design; the table's rows were not.
      const kept = mode === 'per-table' ? [] : [{ id: 100, code: 'kept' }];
      expect(await db.query('SELECT id, code FROM item ORDER BY id')).toEqual(kept);
    },
    60_000,
  );
});
