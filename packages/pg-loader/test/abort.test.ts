// Issue 13 item 15: the operator's SIGTERM (an aborted signal) stops a running import: the COPY is
// cancelled, everything rolls back, exit 130 — it does not finish and exit 0.
import { ConvError, ExitCode } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { copyBackend, removeDir, SLOW_ITEM_TABLE, writeExport } from './helpers.js';

// 1 ms per row: the COPY lasts seconds.
const db = usePgDatabase(async (d) => {
  await d.query(SLOW_ITEM_TABLE);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

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
      copyBackend(db).then(() => controller.abort()),
    ]);
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.exitCode, e.message).toBe(ExitCode.interrupted);
    expect(e.message).toContain('interrupted by the operator');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await db.query('SELECT id, name FROM item ORDER BY id')).toEqual([{ id: -1, name: 'kept' }]);
  }, 90_000);
});
