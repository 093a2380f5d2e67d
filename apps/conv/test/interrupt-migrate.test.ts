// Ctrl-C while `run` (migrate, the default), `migrate` or `export` reads the source: exit 130 and
// "interrupted by the operator", as `run --via export-import` does — not exit 1 with the export's own
// "stopped" error. And a
// second Ctrl-C during a one-transaction migrate closes the run as `rolled_back`, as during an import.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunLog } from '../src/runbook.js';
import type { StepContext } from '../src/steps.js';
import { buildConv, spawnConv } from './built.js';
import { largeTableSql, tempDir } from './helpers.js';

describe('run (migrate) interrupted by the operator', () => {
  const source = useMysqlDatabase(async (db) => {
    // `extra` has no target table: migrate writes its CSV (kept for the hand-off) before the load. 120 MB,
    // so that its read lasts long enough for the SIGINT to land in it on a busy machine.
    await db.query(largeTableSql('extra'));
  });
  const target = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE small (id int PRIMARY KEY)');
  });
  beforeAll(() => buildConv(), 300_000);

  it.each([
    ['run', 'migrate'],
    ['migrate --keep-csv', 'migrate'],
    ['export', 'export'],
  ])(
    '%s: SIGINT while a table is read → exit 130, failed "interrupted by the operator during %s"',
    async (command, step) => {
      const cwd = tempDir();
      const { child, stderr, exited } = spawnConv(
        [...command.split(' '), '--mysql-url', source.url, '--pg-url', target.url],
        cwd,
      );
      // As soon as the export's read of `extra` runs (not a count or verify's aggregate).
      let reading = false;
      for (let i = 0; i < 3000 && !reading && child.exitCode === null; i++) {
        const rows = await source.query<{ ID: number }[]>(
          `SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE '%FROM %.\`extra\`%'
            AND INFO NOT LIKE '%COUNT(%' AND INFO NOT LIKE '%SUM(%' AND INFO NOT LIKE '%ORDER BY%'
            AND INFO NOT LIKE '%information_schema%'`,
          [source.name],
        );
        reading = rows.length > 0;
        if (!reading) await new Promise((r) => setTimeout(r, 5));
      }
      expect(reading, stderr()).toBe(true);
      child.kill('SIGINT');
      expect(await exited, stderr()).toBe(ExitCode.interrupted);
      expect(stderr()).toContain(`interrupted by the operator during ${step}`);
      const last = (await readAuditLog(join(cwd, 'migration_log.json'))).migration_runs.at(-1);
      // migrate in one transaction: rolled back (nothing of the load kept); the export wrote nothing.
      expect(last).toMatchObject({
        status: command.startsWith('migrate') ? expect.stringMatching(/failed|rolled_back/) : 'failed',
      });
      expect(last?.message).toContain(`interrupted by the operator during ${step}`);
    },
  );

  it('a second Ctrl-C closes a one-transaction migrate as rolled_back, like an import', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'conv-abandon-')), 'migration_log.json');
    const ctx = {
      config: { auditLogFile: file, app: 'conv', loadMode: 'single-transaction' },
      out: { redact: (t: string) => t },
    } as unknown as StepContext;
    for (const step of ['import', 'migrate', 'export']) {
      const log = await RunLog.open(ctx);
      log.step = step;
      await RunLog.abandonAll('SIGINT');
      await log.close();
    }
    const events = (await readAuditLog(file)).migration_runs.filter((e) => e.status !== 'started');
    expect(events.map((e) => `${e.step}:${e.status}`)).toEqual([
      'import:rolled_back',
      'migrate:rolled_back',
      'export:failed',
    ]);
  });
});
