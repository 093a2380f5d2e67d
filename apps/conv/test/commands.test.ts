// The single commands on the generated database (the demo's fallback source): check, plan, export,
// import <dir>, verify — each against real servers, each with its exit code and audit events.
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode, type MigrationPlan } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { cli, tempDir } from './helpers.js';

describe('conv check / plan / export / import / verify on the generated database', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });
  const cwd = tempDir();
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('check finds nothing blocking (exit 0); plan --json is the plan', async () => {
    const check = await cli(['check', ...urls()], { cwd });
    expect(check.code).toBe(ExitCode.ok);
    const plan = await cli(['plan', ...urls(), '--json'], { cwd });
    expect(plan.code).toBe(ExitCode.ok);
    const parsed = JSON.parse(plan.stdout) as MigrationPlan;
    expect(parsed.loadOrder).toEqual(['account', 'post']);
    const pair = parsed.tables[0]?.columns.find((c) => c.source === 'active');
    expect(pair?.conversion).toBe('boolean');
  });

  it("takes the old scripts' variables from .env; the environment beats .env, a flag beats both", async () => {
    const envCwd = tempDir();
    const my = new URL(source.url);
    const pgUrl = new URL(target.url);
    writeFileSync(
      join(envCwd, '.env'),
      [
        `MYSQL_HOST=${my.hostname}`,
        `MYSQL_PORT=${my.port || 3306}`,
        `MYSQL_USER=${decodeURIComponent(my.username)}`,
        `MYSQL_PASSWORD=${decodeURIComponent(my.password)}`,
        `POSTGRES_HOST=${pgUrl.hostname}`,
        `POSTGRES_PORT=${pgUrl.port || 5432}`,
        `POSTGRES_USER=${decodeURIComponent(pgUrl.username)}`,
        `POSTGRES_PASSWORD=${decodeURIComponent(pgUrl.password)}`,
        `MYSQL_CONV_DATABASE=${source.name}`,
        `POSTGRES_CONV_DATABASE=${target.name}`,
      ].join('\n'),
    );
    expect((await cli(['check'], { cwd: envCwd })).code).toBe(ExitCode.ok);
    const envWins = await cli(['check'], { cwd: envCwd, env: { MYSQL_CONV_DATABASE: 'conv_no_such_db' } });
    expect(envWins.code).toBe(ExitCode.connection);
    expect(envWins.stderr).toContain('conv_no_such_db');
    const flagWins = await cli(['check', '--mysql-database', source.name], {
      cwd: envCwd,
      env: { MYSQL_CONV_DATABASE: 'conv_no_such_db' },
    });
    expect(flagWins.code).toBe(ExitCode.ok);
  });

  it('export, import <dir>, verify --plan-from: each ok, each logged', async () => {
    const exported = await cli(['export', ...urls(), '--json'], { cwd });
    expect(exported.code).toBe(ExitCode.ok);
    const { dir, totals } = JSON.parse(exported.stdout) as { dir: string; totals: { rows: number } };
    expect(totals.rows).toBe(160);
    expect(readdirSync(dir)).toEqual(
      expect.arrayContaining(['account.csv', 'post.csv', 'migration_manifest.json']),
    );

    const imported = await cli(['import', dir, ...urls()], { cwd });
    expect(imported.code).toBe(ExitCode.ok);
    expect(imported.stdout).toContain('Imported 2 tables, 160 rows');
    const [accounts] = await target.query<{ n: string }>('SELECT count(*) AS n FROM account');
    expect(Number(accounts?.n)).toBe(40);

    const verified = await cli(['verify', ...urls(), '--plan-from', dir, '--json'], { cwd });
    expect(verified.code).toBe(ExitCode.ok);
    const report = JSON.parse(verified.stdout) as {
      ok: boolean;
      tables: { table: string; checksumMatch: boolean }[];
    };
    expect(report.ok).toBe(true);
    expect(report.tables.map((t) => [t.table, t.checksumMatch])).toEqual([
      ['account', true],
      ['post', true],
    ]);

    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    const steps = log.migration_runs.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`);
    expect(steps).toEqual([
      'started:export',
      'in_progress:export',
      'completed:export',
      'started:import',
      'in_progress:import',
      'completed:import',
      'started:verify',
      'in_progress:verify',
      'completed:verify',
    ]);
  });

  it('verify names the table and row when PostgreSQL differs (exit 4)', async () => {
    await target.query("UPDATE post SET body = body || ' (edited)' WHERE id = 7");
    const res = await cli(['verify', ...urls()], { cwd });
    expect(res.code).toBe(ExitCode.verifyMismatch);
    expect(res.stdout).toContain('post');
    expect(res.stdout).toContain('body');
    await target.query("UPDATE post SET body = left(body, length(body) - length(' (edited)')) WHERE id = 7");
    expect((await cli(['verify', ...urls(), '--verify-mode', 'full'], { cwd })).code).toBe(ExitCode.ok);
  });

  it('a run interrupted by the operator stops before its next step and logs why (exit 130)', async () => {
    const controller = new AbortController();
    const runCwd = tempDir();
    const res = await cli(['run', ...urls()], {
      cwd: runCwd,
      signal: controller.signal,
      // Ctrl-C as soon as the run has started (the plan step is then under way).
      onStderr: (text) => {
        if (text.includes(' started; ')) controller.abort();
      },
    });
    expect(res.code).toBe(ExitCode.interrupted);
    expect(res.stderr).toContain('interrupted by the operator before check');
    const log = await readAuditLog(join(runCwd, 'migration_log.json'));
    expect(log.migration_runs.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`)).toEqual([
      'started',
      'in_progress:plan',
      'failed',
    ]);
    expect(log.migration_runs.at(-1)?.message).toContain('interrupted by the operator before check');
    expect(readdirSync(runCwd)).not.toContain('csv_exports');
  });

  it('import refuses a tampered export directory (exit 7) and logs the failure', async () => {
    // Another base directory: two exports within the same second would share a timestamped name.
    const exported = await cli(['export', ...urls(), '--json', '--out-dir', 'second'], { cwd });
    expect(exported.code, exported.stderr).toBe(ExitCode.ok);
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    appendFileSync(join(dir, 'post.csv'), '999,00000000-0000-4000-8000-000000000001,x,,\n');
    const res = await cli(['import', dir, ...urls()], { cwd });
    expect(res.code).toBe(ExitCode.badInput);
    expect(res.stderr).toContain('post.csv');
    const log = JSON.parse(readFileSync(join(cwd, 'migration_log.json'), 'utf8')) as {
      migration_runs: { status: string; step?: string; message: string }[];
    };
    const last = log.migration_runs.at(-1);
    expect(last).toMatchObject({ status: 'failed', step: 'import' });
    expect(last?.message).toContain('post.csv');
  });
});

describe('conv run when PostgreSQL rejects a row during the load', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
    // A rule only PostgreSQL knows: check cannot foresee it, the COPY refuses the row.
    await db.client.query(
      'ALTER TABLE post ADD CONSTRAINT post_score_small CHECK (score IS NULL OR score < 15)',
    );
  });

  it.each([
    ['migrate', []],
    ['export-import', ['in_progress:export']],
  ])('rolls the load back (--via %s), logs rolled_back with the reason, exits 6', async (via, between) => {
    const cwd = tempDir();
    const res = await cli(['run', '--mysql-url', source.url, '--pg-url', target.url, '--via', via], { cwd });
    expect(res.code).toBe(ExitCode.loadFailed);
    expect(res.stderr).toContain('post_score_small');
    const [rows] = await target.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM account) + (SELECT count(*) FROM post) AS n',
    );
    expect(Number(rows?.n)).toBe(0);
    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    const statuses = log.migration_runs.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`);
    expect(statuses).toEqual(['started', 'in_progress:plan', 'in_progress:check', ...between, 'rolled_back']);
    expect(log.migration_runs.at(-1)?.message).toContain('post_score_small');
  });
});
