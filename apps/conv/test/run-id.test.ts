// One run, one story: a manual workflow under one run id, verify in the audit log, foreign or unknown
// run ids refused, and a second Ctrl-C that still closes the run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { buildConv, spawnConv } from './built.js';
import { cli, tempDir } from './helpers.js';

const steps = (events: { status: string; step?: string | undefined }[]) =>
  events.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`);

/** `log started` in `cwd`: the new run's id. */
async function startRun(cwd: string): Promise<string> {
  const started = await cli(['log', 'started', '--json'], { cwd });
  return (JSON.parse(started.stdout) as { runId: string }).runId;
}

/** The Markdown of the run report a command said it wrote (`report of run <id>: <path>.html`). */
function reportOf(stderr: string, runId: string): string {
  const html = new RegExp(`report of run ${runId}: (\\S+)\\.html`).exec(stderr)?.[1];
  expect(html, stderr).toBeDefined();
  return readFileSync(`${html}.md`, 'utf8');
}

describe('one run id for a manual workflow', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('log started prints the id; export, import, verify and log completed join it (CONV_RUN_ID or --run-id)', async () => {
    const cwd = tempDir();
    const started = await cli(['log', 'started', 'window opened'], { cwd });
    expect(started.code).toBe(ExitCode.ok);
    const runId = /run id: (\S+) — pass it to the next commands/.exec(started.stdout)?.[1] as string;
    expect(runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(started.stdout).toContain(`export CONV_RUN_ID=${runId}`);
    const env = { CONV_RUN_ID: runId };
    const exported = await cli(['export', ...urls(), '--json'], { cwd, env });
    expect(exported.code, exported.stderr).toBe(ExitCode.ok);
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    expect((await cli(['import', dir, ...urls()], { cwd, env })).code).toBe(ExitCode.ok);
    expect((await cli(['verify', ...urls(), '--plan-from', dir], { cwd, env })).code).toBe(ExitCode.ok);
    expect((await cli(['log', 'completed', 'live', '--run-id', runId], { cwd })).code).toBe(ExitCode.ok);
    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    expect(new Set(log.migration_runs.map((e) => e.runId))).toEqual(new Set([runId]));
    expect(steps(log.migration_runs)).toEqual([
      'started',
      'in_progress:export',
      'in_progress:export',
      'in_progress:export',
      'in_progress:import',
      'in_progress:import',
      'in_progress:import',
      'in_progress:verify',
      'in_progress:verify',
      'in_progress:verify',
      'completed',
    ]);
  });

  it('migrate joins a run like export and import: its runId in --json, its step and files in the report', async () => {
    const cwd = tempDir();
    const runId = await startRun(cwd);
    const migrated = await cli(
      ['migrate', ...urls(), '--keep-csv', '--replace', '--json', '--run-id', runId],
      {
        cwd,
      },
    );
    expect(migrated.code, migrated.stderr).toBe(ExitCode.ok);
    const result = JSON.parse(migrated.stdout) as { runId: string; dir: string; scriptFile: string };
    expect(result.runId).toBe(runId);
    const report = reportOf(migrated.stderr, runId);
    expect(report).toMatch(/\|\s*migrate\s*\|/);
    expect(report).toContain(result.dir);
    expect(report).toContain(result.scriptFile);
    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    expect(steps(log.migration_runs)).toEqual([
      'started',
      'in_progress:migrate',
      'in_progress:migrate',
      'in_progress:migrate',
    ]);
  });

  it('run joins a run started earlier: it leaves the run open for log completed, its steps in the run report', async () => {
    const cwd = tempDir();
    const runId = await startRun(cwd);
    const ran = await cli(['run', ...urls(), '--replace', '--run-id', runId], { cwd });
    expect(ran.code, ran.stderr).toBe(ExitCode.ok);
    expect(ran.stdout).toContain('run still open');
    expect((await cli(['log', 'completed', 'live', '--run-id', runId], { cwd })).code).toBe(ExitCode.ok);
    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    // One closing event, the operator's.
    expect(log.migration_runs.filter((e) => e.status === 'completed')).toHaveLength(1);
    expect(steps(log.migration_runs).at(-2)).toBe('in_progress:run');
    const report = reportOf(ran.stderr, runId);
    for (const step of ['check', 'migrate', 'verify'])
      expect(report).toMatch(new RegExp(`\\|\\s*${step}\\s*\\|`));
    expect(report).toContain('completed');
  });

  it('a verify of its own is logged too, and a difference is logged as failed', async () => {
    const cwd = tempDir();
    await target.query("UPDATE post SET body = body || '!' WHERE id = 3");
    try {
      expect((await cli(['verify', ...urls()], { cwd })).code).toBe(ExitCode.verifyMismatch);
    } finally {
      await target.query('UPDATE post SET body = left(body, length(body) - 1) WHERE id = 3');
    }
    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    expect(steps(log.migration_runs)).toEqual(['started:verify', 'in_progress:verify', 'failed:verify']);
    expect(log.migration_runs.at(-1)?.message).toContain('verify found differences in 1 table(s): post');
  });

  it('refuses an unknown run id, and one of another app (exit 2), before doing anything', async () => {
    const cwd = tempDir();
    const unknown = await cli(['export', ...urls(), '--run-id', '20260101T000000Z-deadbeef'], { cwd });
    expect(unknown.code).toBe(ExitCode.usage);
    expect(unknown.stderr).toContain('unknown run id 20260101T000000Z-deadbeef');
    const other = await cli(['log', 'started', '--json'], { cwd, name: 'alkemio' });
    const { runId } = JSON.parse(other.stdout) as { runId: string };
    const foreign = await cli(['log', 'completed', '--run-id', runId], { cwd });
    expect(foreign.code).toBe(ExitCode.usage);
    expect(foreign.stderr).toContain(`run ${runId} belongs to alkemio, not conv`);
    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    expect(steps(log.migration_runs)).toEqual(['started']);
  });

  describe('the executable', () => {
    beforeAll(() => buildConv(), 300_000);

    it('a second Ctrl-C during a one-transaction import logs rolled_back before exiting (exit 130)', async () => {
      const cwd = tempDir();
      // Hold a lock the import's TRUNCATE waits for (ACCESS SHARE: check's row counts still read the
      // table): the run is then stuck inside import.
      const blocker = new pg.Client({ connectionString: target.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE account IN ACCESS SHARE MODE');
      try {
        const { child, stderr, exited } = spawnConv(['run', ...urls(), '--replace'], cwd);
        const file = join(cwd, 'migration_log.json');
        // `run` migrates by default: after its check, the load waits for the lock.
        let checked = false;
        for (let i = 0; i < 600 && !checked; i++) {
          const log = await readAuditLog(file).catch(() => ({ migration_runs: [] }));
          checked = steps(log.migration_runs).includes('in_progress:check');
          if (!checked) await new Promise((r) => setTimeout(r, 100));
        }
        expect(checked, `the run did not get past its check: ${stderr()}`).toBe(true);
        await new Promise((r) => setTimeout(r, 1000));
        child.kill('SIGINT');
        // The first SIGINT already rolls the import back (issue 13); a second one only while it still runs.
        const early = await Promise.race([
          exited,
          new Promise<'running'>((r) => setTimeout(() => r('running'), 300)),
        ]);
        if (early === 'running') child.kill('SIGINT');
        const code = early === 'running' ? await exited : early;
        // A second SIGINT that lands while the process is already exiting ends it by the signal (code null);
        // the run was closed before, which the audit log below shows.
        expect(code === ExitCode.interrupted || (code === null && early === 'running'), stderr()).toBe(true);
        const log = await readAuditLog(file);
        const last = log.migration_runs.at(-1);
        expect(last).toMatchObject({ status: 'rolled_back' });
        // The first SIGINT already cuts the load's connection (issue 13: obeyed at once) and closes the run as
        // rolled back; when it has not finished yet, the second one closes it. Either way: closed during the
        // import, rolled back.
        expect(last?.message).toMatch(
          /import into .* interrupted by the operator.*rolled back|second SIGINT\) during import: the load transaction was rolled back/,
        );
      } finally {
        await blocker.query('ROLLBACK');
        await blocker.end();
      }
    });
  });
});
