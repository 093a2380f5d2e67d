import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode } from '@conv/core';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

describe('conv command line', () => {
  it('prints help with examples for every command, exit 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(ExitCode.ok);
    for (const cmd of [
      'check',
      'plan',
      'export',
      'import <dir>',
      'verify',
      'log <status> [message]',
      'run',
    ]) {
      expect(top.stdout).toContain(`conv ${cmd}`);
    }
    expect(top.stdout).toContain('Exit codes: 0 ok');
    expect(top.stdout).toContain('Examples:');
    for (const cmd of ['check', 'plan', 'export', 'import', 'verify', 'log', 'run']) {
      const help = await cli([cmd, '--help']);
      expect(help.code, cmd).toBe(ExitCode.ok);
      expect(help.stdout, cmd).toContain('Examples:');
    }
  });

  it('reports usage errors with exit 2 and a pointer to --help', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(ExitCode.usage);
    expect(unknown.stderr).toContain('frobnicate');
    expect(unknown.stderr).toContain('conv --help');
    const badStatus = await cli(['log', 'finished']);
    expect(badStatus.code).toBe(ExitCode.usage);
    expect(badStatus.stderr).toContain('finished');
    const none = await cli([]);
    expect(none.code).toBe(ExitCode.usage);
    expect(none.stderr).toContain('Commands:');
  });

  it('reports invalid configuration with exit 2, naming the variable and its source', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'MYSQL_PORT=abc\nCONV_DB=app\n');
    const res = await cli(['check'], { cwd });
    expect(res.code).toBe(ExitCode.usage);
    expect(res.stderr).toContain('configuration is not valid');
    expect(res.stderr).toMatch(/MYSQL_PORT \(\.env file .*\.env\): expected a port number/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('`log` appends an event to the audit log, with a run id to continue', async () => {
    const cwd = tempDir();
    const first = await cli(['log', 'started', 'maintenance window opened', '--json'], { cwd });
    expect(first.code).toBe(ExitCode.ok);
    const { runId, file } = JSON.parse(first.stdout) as { runId: string; file: string };
    expect(file).toBe(join(cwd, 'migration_log.json'));
    const second = await cli(
      ['log', 'rolled_back', 'switched back to MySQL', '--run-id', runId, '--step', 'cut-over'],
      { cwd },
    );
    expect(second.code).toBe(ExitCode.ok);
    expect(second.stdout).toContain(`rolled_back for run ${runId}`);
    const main = await readAuditLog(file);
    expect(main.migration_runs.map((e) => [e.runId, e.status, e.step, e.message])).toEqual([
      [runId, 'started', undefined, 'maintenance window opened'],
      [runId, 'rolled_back', 'cut-over', 'switched back to MySQL'],
    ]);
    // CONV_AUDIT_LOG names another file; a run id it does not know is refused there.
    const custom = await cli(['log', 'started', 'rehearsal'], {
      cwd,
      env: { CONV_AUDIT_LOG: 'custom_log.json' },
    });
    expect(custom.code).toBe(ExitCode.ok);
    const elsewhere = await cli(['log', 'failed', '--run-id', runId], {
      cwd,
      env: { CONV_AUDIT_LOG: 'custom_log.json' },
    });
    expect(elsewhere.code).toBe(ExitCode.usage);
    expect((await readAuditLog(join(cwd, 'custom_log.json'))).migration_runs).toMatchObject([
      { status: 'started', message: 'rehearsal', app: 'conv' },
    ]);
  });

  it('names the server on a connection failure, exit 5, without the password anywhere', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'POSTGRES_PASSWORD=Pg-S3cret!\nCONV_DB=app\n');
    const res = await cli(['check', '--mysql-url', 'mysql://root:My-S3cret!@127.0.0.1:1/app', '--json'], {
      cwd,
    });
    expect(res.code).toBe(ExitCode.connection);
    expect(res.stderr).toContain('127.0.0.1:1');
    expect(res.all).not.toContain('My-S3cret!');
    expect(res.all).not.toContain('Pg-S3cret!');
    const json = JSON.parse(res.stdout) as { ok: boolean; exitCode: number };
    expect(json).toMatchObject({ ok: false, exitCode: ExitCode.connection });
  });
});
