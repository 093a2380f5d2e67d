// Issue 13 item 2 through the CLI: the export's MySQL connection is killed (`KILL <id>` from another
// connection) while it streams. `export` and `run` must exit 5 naming the table, log `failed`, and leave
// no CSV, no `.partial` file and no manifest. (The old exporter waited for an end that never came: the
// process exited 0 with nothing logged, or hung with --jobs 2.)
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { cli, largeTableSql, tempDir } from './helpers.js';

const source = useMysqlDatabase(async (db) => {
  await db.query(largeTableSql('wide'));
});
const target = usePgDatabase(async (db) => {
  await db.query(
    'CREATE TABLE wide (id int PRIMARY KEY, v varchar(1200)); CREATE TABLE small (id int PRIMARY KEY)',
  );
});

/**
 * Kills every connection of the source database that is reading `wide` for the export, as soon as one
 * shows up (not verify's reads, which `run --via migrate` overlaps with the load: they sort or aggregate;
 * nor catalog queries naming the table). The table is 120 MB so that the read lasts seconds: a KILL that
 * lands after the last row leaves nothing to fail (CI saw that once with 40 MB).
 */
async function killWhenStreaming(stop: { done: boolean }): Promise<number> {
  for (let i = 0; i < 2000 && !stop.done; i++) {
    const rows = await source.query<{ ID: number }[]>(
      `SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE '%FROM %.\`wide\`%' AND INFO NOT LIKE '%COUNT(%' AND INFO NOT LIKE '%SUM(%' AND INFO NOT LIKE '%LIMIT%' AND INFO NOT LIKE '%ORDER BY%' AND INFO NOT LIKE '%information_schema%' AND ID <> CONNECTION_ID()`,
      [source.name],
    );
    if (rows.length) {
      for (const r of rows) await source.query(`KILL ${Number(r.ID)}`);
      return rows.length;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return 0;
}

function files(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      )
    : [];
}

describe('the MySQL connection killed mid-export', () => {
  for (const [command, jobs, via] of [
    ['export', '1', []],
    ['run', '2', ['--via', 'export-import']],
    ['run', '2', ['--via', 'migrate']],
  ] as [string, string, string[]][]) {
    it(`${[command, ...via].join(' ')} --jobs ${jobs}: exit 5 naming the table, failed logged, nothing left`, async () => {
      const cwd = tempDir();
      const stop = { done: false };
      const killer = killWhenStreaming(stop);
      const res = await cli(
        [command, '--mysql-url', source.url, '--pg-url', target.url, '--jobs', jobs, ...via],
        { cwd },
      );
      stop.done = true;
      expect(await killer).toBeGreaterThan(0);
      expect(res.code, res.all).toBe(ExitCode.connection);
      expect(res.stderr).toMatch(/reading table wide failed: the connection to MySQL was lost/);
      const log = await readAuditLog(join(cwd, 'migration_log.json'));
      // migrate writes while it reads: its load is rolled back, and the log says so.
      expect(log.migration_runs.at(-1)?.status).toBe(via.includes('migrate') ? 'rolled_back' : 'failed');
      expect(files(join(cwd, 'csv_exports')).filter((f) => /\.csv|partial|manifest/.test(f))).toEqual([]);
    });
  }
});
