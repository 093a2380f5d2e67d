// The plan decides once (issue 10): --include-history is a planning choice that check sees; skips the
// profile accounts for are marked by the plan (built-in history tables too); verify --plan-from only reads
// the plan.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, type MigrationPlan } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { cli, tempDir } from './helpers.js';

describe('the plan decides: history tables, expected skips, verify --plan-from', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
    await db.conn.query(
      "CREATE TABLE migrations_typeorm (id INT PRIMARY KEY, name VARCHAR(255) NOT NULL); INSERT INTO migrations_typeorm VALUES (1, 'Baseline1700000000000')",
    );
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
    // The application's own history table: a shorter column than the source's values.
    await db.client.query('CREATE TABLE migrations_typeorm (id int PRIMARY KEY, name varchar(10) NOT NULL)');
  });
  const cwd = tempDir();
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('marks a built-in history table as expected by the profile (the generic profile lists none)', async () => {
    const res = await cli(['check', ...urls(), '--json'], { cwd });
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const { skipped } = JSON.parse(res.stdout) as { skipped: { table: string; expected: boolean }[] };
    expect(skipped.find((s) => s.table === 'migrations_typeorm')).toMatchObject({
      reason: 'migration-history',
      expected: true,
    });
  });

  it('check --include-history scans the history table against its real target column', async () => {
    const res = await cli(['check', ...urls(), '--include-history', '--json'], { cwd });
    expect(res.code, res.stderr).toBe(ExitCode.checkFailed);
    const report = JSON.parse(res.stdout) as { findings: { table: string; column: string; code: string }[] };
    expect(report.findings).toContainEqual(
      expect.objectContaining({ table: 'migrations_typeorm', column: 'name', code: 'too-long' }),
    );
    const plan = await cli(['plan', ...urls(), '--include-history', '--json'], { cwd });
    const parsed = JSON.parse(plan.stdout) as MigrationPlan;
    expect(parsed.loadOrder).toContain('migrations_typeorm');
  });

  it('import --include-history is refused on an export planned without it (exit 2, nothing written)', async () => {
    const exported = await cli(['export', ...urls(), '--json'], { cwd });
    expect(exported.code, exported.stderr).toBe(ExitCode.ok);
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    const res = await cli(['import', dir, ...urls(), '--include-history'], { cwd });
    expect(res.code).toBe(ExitCode.usage);
    expect(res.stderr).toContain('planned without --include-history: migrations_typeorm');
    const [row] = await target.query<{ n: string }>('SELECT count(*) AS n FROM account');
    expect(Number(row?.n)).toBe(0);
  });

  it('verify --plan-from reads the plan without hashing the CSV files', async () => {
    const exported = await cli(['export', ...urls(), '--json', '--out-dir', 'second'], { cwd });
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    const imported = await cli(['import', dir, ...urls()], { cwd });
    expect(imported.code, imported.stderr).toBe(ExitCode.ok);
    // The files no longer match the manifest: import would refuse them, verify only needs the plan.
    appendFileSync(join(dir, 'post.csv'), 'not,a,row\n');
    const res = await cli(['verify', ...urls(), '--plan-from', dir, '--verify-mode', 'counts'], { cwd });
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(readFileSync(join(cwd, 'migration_log.json'), 'utf8')).toContain('tables equal');
  });
});
