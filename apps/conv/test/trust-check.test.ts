// Issue 16 items 7–10: what `check` promises, `run` keeps; exit codes and messages as documented.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

describe('an empty (unmigrated) PostgreSQL database (item 7)', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE album (id int PRIMARY KEY, title varchar(50));
      CREATE TABLE track (id int PRIMARY KEY, name varchar(50));
      INSERT INTO album VALUES (1, 'a');`);
  });
  const target = usePgDatabase();
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('check exits 3 and says no planned table exists in the target', async () => {
    const res = await cli(['check', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.checkFailed);
    expect(res.stdout).toContain('none of the 2 source tables exists in PostgreSQL');
    expect(res.stdout).toContain('--pg-schema');
  });

  it('run stops at check (exit 3) before exporting anything', async () => {
    const cwd = tempDir();
    const res = await cli(['run', ...urls()], { cwd });
    expect(res.code, res.all).toBe(ExitCode.checkFailed);
    expect(existsSync(join(cwd, 'csv_exports'))).toBe(false);
  });
});
