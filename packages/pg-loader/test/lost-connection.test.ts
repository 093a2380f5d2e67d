// Issue 13 item 6: a PostgreSQL session that dies mid-COPY is a connection error (exit 5), not a bad row.
import { ConvError, ExitCode } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { removeDir, writeExport } from './helpers.js';

const ROWS = 4000;
const db = usePgDatabase(async (d) => {
  // Every row costs 1 ms (a CHECK still runs under session_replication_role = replica): the COPY
  // lasts seconds, so the test can terminate it for sure while it runs.
  await d.query(`
    CREATE FUNCTION slow_ok(int) RETURNS boolean LANGUAGE sql AS 'SELECT pg_sleep(0.001) IS NOT NULL';
    CREATE TABLE item (id int PRIMARY KEY CHECK (slow_ok(id)), name text NOT NULL);
    INSERT INTO item VALUES (-1, 'kept');
  `);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Terminates the backend of the import's COPY as soon as it shows up in pg_stat_activity. */
async function terminateCopy(url: string, database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const res = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'conv import' AND query ILIKE 'COPY%' AND state = 'active'",
        [database],
      );
      const pid = res.rows[0]?.pid;
      if (pid) {
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        return pid;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the COPY never showed up in pg_stat_activity');
  } finally {
    await admin.end();
  }
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
        terminateCopy(db.url, db.name),
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
