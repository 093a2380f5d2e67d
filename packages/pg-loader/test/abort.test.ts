// Issue 13 item 15: the operator's SIGTERM (an aborted signal) stops a running import: the COPY is
// cancelled, everything rolls back, exit 130 — it does not finish and exit 0.
import { ConvError, ExitCode } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { removeDir, writeExport } from './helpers.js';

const db = usePgDatabase(async (d) => {
  // 1 ms per row: the COPY lasts seconds.
  await d.query(`
    CREATE FUNCTION slow_ok(int) RETURNS boolean LANGUAGE sql AS 'SELECT pg_sleep(0.001) IS NOT NULL';
    CREATE TABLE item (id int PRIMARY KEY CHECK (slow_ok(id)), name text NOT NULL);
    INSERT INTO item VALUES (-1, 'kept');
  `);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

async function whenCopyRuns(url: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const res = await admin.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'conv import' AND query ILIKE 'COPY%' AND state = 'active'",
        [database],
      );
      if (res.rows.length) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the COPY never showed up');
  } finally {
    await admin.end();
  }
}

describe('import stopped by the operator', () => {
  it('abort mid-COPY: cancelled, rolled back, exit 130 naming the interruption', async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => [String(i), `name ${i}`]);
    const dir = writeExport([{ table: 'item', columns: ['id', 'name'], rows }]);
    dirs.push(dir);
    const controller = new AbortController();
    const started = Date.now();
    const [err] = await Promise.all([
      importDirectory({ replace: true, pgUrl: db.url, dir, signal: controller.signal }).catch(
        (e: unknown) => e,
      ),
      whenCopyRuns(db.url, db.name).then(() => controller.abort()),
    ]);
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.exitCode, e.message).toBe(ExitCode.interrupted);
    expect(e.message).toContain('interrupted by the operator');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await db.query('SELECT id, name FROM item ORDER BY id')).toEqual([{ id: -1, name: 'kept' }]);
  }, 90_000);
});
