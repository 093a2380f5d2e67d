// `conv migrate` on the generated database (the demo's fallback source): loads straight from MySQL, the
// full verification agrees, --keep-csv leaves an export directory that import accepts, audit events logged.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { cli, tempDir } from './helpers.js';

describe('conv migrate on the generated database', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });
  const cwd = tempDir();
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('migrate --keep-csv loads everything (exit 0), verify agrees, the directory imports again', async () => {
    const migrated = await cli(['migrate', ...urls(), '--keep-csv', '--json'], { cwd });
    expect(migrated.code, migrated.stderr).toBe(ExitCode.ok);
    const result = JSON.parse(migrated.stdout) as { dir: string; loaded: { table: string; rows: number }[] };
    expect(result.loaded.map((t) => t.table).sort()).toEqual(['account', 'post']);
    expect(existsSync(join(result.dir, 'migration_manifest.json'))).toBe(true);
    expect(migrated.all).not.toContain(new URL(source.url).password || '\u0000');

    const verified = await cli(['verify', ...urls()], { cwd });
    expect(verified.code, verified.stdout).toBe(ExitCode.ok);
    // The target now holds the migrated rows: loading them again must be asked for.
    const again = await cli(['import', result.dir, ...urls(), '--replace'], { cwd });
    expect(again.code, again.stderr).toBe(ExitCode.ok);

    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    const migrate = log.migration_runs.filter((e) => e.step === 'migrate').map((e) => e.status);
    expect(migrate).toEqual(['started', 'in_progress', 'completed']);
  });

  it('migrate --split-min-mb: refused when not a number of MB; per-table splits tables above total/jobs and says so', async () => {
    const bad = await cli(['migrate', ...urls(), '--split-min-mb', '-1'], { cwd });
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toContain('--split-min-mb wants a number of MB');
    const args = ['migrate', ...urls(), '--load-mode', 'per-table', '--jobs', '4', '--split-min-mb', '0'];
    const res = await cli([...args, '--replace'], { cwd });
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const json = await cli([...args, '--replace', '--json'], { cwd });
    expect(json.code, json.stderr).toBe(ExitCode.ok);
    const result = JSON.parse(json.stdout) as {
      split: { table: string; parts: number }[];
      loaded: { table: string; parts?: number }[];
    };
    // Both tables (a char(36) UUID key and an integer key) exceed a quarter of the total: 2 ranges each.
    expect(result.split.map((d) => [d.table, d.parts]).sort()).toEqual([
      ['account', 2],
      ['post', 2],
    ]);
    for (const t of result.loaded) expect(t.parts).toBe(2);
    expect(res.stdout).toContain('split into 2 key ranges: post');
    const verified = await cli(['verify', ...urls()], { cwd });
    expect(verified.code, verified.stdout).toBe(ExitCode.ok);
  });

  it('run --via migrate: check, one stream with the export directory kept, full verify; logged step by step', async () => {
    const runCwd = tempDir();
    // The first test filled the target: a re-load says --replace.
    const res = await cli(['run', ...urls(), '--via', 'migrate', '--replace', '--json'], { cwd: runCwd });
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const result = JSON.parse(res.stdout) as { exportDir: string; imported: { tables: number } };
    expect(result.imported.tables).toBe(2);
    expect(existsSync(join(result.exportDir, 'migration_manifest.json'))).toBe(true);
    const log = await readAuditLog(join(runCwd, 'migration_log.json'));
    expect(log.migration_runs.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`)).toEqual([
      'started',
      'in_progress:plan',
      'in_progress:check',
      'in_progress:migrate',
      'in_progress:verify',
      'completed',
    ]);
  });

  it('run --via migrate --load-mode per-table: verify overlaps the load and agrees', async () => {
    const runCwd = tempDir();
    const res = await cli(
      ['run', ...urls(), '--via', 'migrate', '--load-mode', 'per-table', '--replace', '--json'],
      { cwd: runCwd },
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const result = JSON.parse(res.stdout) as {
      verify: { ok: boolean; tables: { table: string; checksumMatch: boolean }[] };
      report: { markdown: string };
    };
    expect(result.verify.ok).toBe(true);
    expect(result.verify.tables.map((t) => [t.table, t.checksumMatch]).sort()).toEqual([
      ['account', true],
      ['post', true],
    ]);
    // The report's per-table timeline: verify began (its MySQL side) before the load's last table ended.
    const md = readFileSync(result.report.markdown, 'utf8');
    const rows = [...md.matchAll(/^\| (\w+) \| (migrate|verify) \| (\d+) \| (\d+) \|/gm)].map((m) => ({
      table: m[1]!,
      step: m[2]!,
      start: Number(m[3]),
      end: Number(m[4]),
    }));
    const verifyStart = Math.min(...rows.filter((r) => r.step === 'verify').map((r) => r.start));
    const loadEnd = Math.max(...rows.filter((r) => r.step === 'migrate').map((r) => r.end));
    expect(rows.filter((r) => r.step === 'verify')).toHaveLength(2);
    expect(verifyStart).toBeLessThan(loadEnd);
  });

  it('run --via migrate: a row PostgreSQL refuses rolls back, and the overlapping verify stops with it', async () => {
    const runCwd = tempDir();
    const [{ id }] = (await source.query('SELECT max(id) AS id FROM post')) as [{ id: number }];
    await target.query(`ALTER TABLE post ADD CONSTRAINT refuse_last CHECK (id <> ${Number(id)}) NOT VALID`);
    try {
      const res = await cli(['run', ...urls(), '--via', 'migrate', '--replace', '--json'], { cwd: runCwd });
      expect(res.code, res.stderr).toBe(ExitCode.loadFailed);
      expect(res.stderr).toContain('refuse_last');
      const log = await readAuditLog(join(runCwd, 'migration_log.json'));
      const statuses = log.migration_runs.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`);
      expect(statuses.at(-1)).toBe('rolled_back');
      expect(statuses).not.toContain('in_progress:verify');
    } finally {
      await target.query('ALTER TABLE post DROP CONSTRAINT refuse_last');
    }
  });

  it('migrate --help lists its options', async () => {
    const help = await cli(['migrate', '--help'], { cwd });
    expect(help.stdout).toContain('--keep-csv');
  });
});
