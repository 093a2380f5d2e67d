// Issue 13 item 6: a PostgreSQL session that dies mid-COPY is a connection error (exit 5), not a bad row.
import { ConvError, ExitCode } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { copyBackend, removeDir, SLOW_ITEM_TABLE, writeExport } from './helpers.js';

const ROWS = 4000;
const db = usePgDatabase(async (d) => {
  await d.query(SLOW_ITEM_TABLE);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Terminates the backend of the import's COPY as soon as it runs. */
async function terminateCopy(): Promise<number> {
  const pid = await copyBackend(db);
  await db.query('SELECT pg_terminate_backend($1)', [pid]);
  return pid;
}

describe('PostgreSQL connection lost during the load', () => {
  it.each(['single-transaction', 'per-table'] as const)(
    '%s: pg_terminate_backend of the loader mid-COPY → exit 5, connection hint, nothing of the table committed',
    async (mode) => {
      const rows = Array.from({ length: ROWS }, (_, i) => [String(i), `name ${i}`]);
      const dir = writeExport([{ table: 'item', columns: ['id', 'name'], rows }]);
      dirs.push(dir);
      const [err, pid] = await Promise.all([
        importDirectory({ replace: true, pgUrl: db.url, dir, mode }).catch((e: unknown) => e),
        terminateCopy(),
      ]);
      expect(pid).toBeGreaterThan(0);
      expect(err).toBeInstanceOf(ConvError);
      const e = err as ConvError;
      expect(e.exitCode, e.message).toBe(ExitCode.connection);
      expect(e.code).toBe('connect.lost');
      expect(e.message).toContain('item.csv');
      // The message docs/troubleshooting.md shows under exit 5.
      expect(e.message).toContain(
        'the PostgreSQL connection was lost while loading item.csv into public.item: terminating connection due to administrator command [57P01]',
      );
      expect(e.message).not.toContain('row rejected');
      expect(e.hint).toContain('run the import again');
      // single-transaction: as before; per-table: the TRUNCATE was committed, the table's COPY was not.
      const left = mode === 'single-transaction' ? [{ id: -1, name: 'kept' }] : [];
      expect(await db.query('SELECT id, name FROM item ORDER BY id')).toEqual(left);
      await db.query("TRUNCATE item; INSERT INTO item VALUES (-1, 'kept')");
    },
    60_000,
  );
});
