// The `conv` executable as an operator starts it: through its shebang, with a real stdout pipe.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { CONV_VERSION, ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { buildConv, CONV_BIN } from './built.js';
import { tempDir } from './helpers.js';

function conv(args: string[], cwd = tempDir()) {
  // Started like a shell does: the file itself, so its shebang line decides how node is called.
  const res = spawnSync(CONV_BIN, args, { cwd, encoding: 'utf8', env: { PATH: process.env['PATH'] } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('the conv executable', () => {
  beforeAll(() => buildConv(), 300_000);

  it('conv --version / -V print the version; a bare conv prints the help and exits 2', () => {
    expect(conv(['--version'])).toMatchObject({ code: 0, stdout: `${CONV_VERSION}\n` });
    expect(conv(['-V'])).toMatchObject({ code: 0, stdout: `${CONV_VERSION}\n` });
    const bare = conv([]);
    expect(bare.code).toBe(ExitCode.usage);
    expect(bare.stderr).toContain('Commands:');
    expect(bare.stderr).toContain('conv run');
    expect(bare.stderr).toContain('error: say which command to run');
  });

  it('--env-file reaches conv (Node itself must not take it): a missing file is conv’s exit 2', () => {
    const cwd = tempDir();
    const missing = conv(['check', '--env-file', 'nope.env'], cwd);
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toContain(`the env file ${join(cwd, 'nope.env')} does not exist`);
    expect(missing.stderr).not.toContain('node:');
    // An existing file is read by conv (its bad port is reported with the file as origin).
    writeFileSync(join(cwd, 'other.env'), 'MYSQL_PORT=abc\nCONV_DB=app\n');
    const bad = conv(['check', '--env-file=other.env'], cwd);
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toMatch(/MYSQL_PORT \(\.env file .*other\.env\): expected a port number/);
  });

  describe('with a closed stdout (`conv export | head -1`)', () => {
    const source = useMysqlDatabase(async (db) => {
      await db.conn.query(GENERATED_MYSQL);
      await fillGenerated(db.conn);
    });
    const target = usePgDatabase(async (db) => {
      await db.client.query(GENERATED_PG);
    });

    it('finishes the export, logs its closing event and exits 0 without a stack trace', async () => {
      const cwd = tempDir();
      const child = spawn(CONV_BIN, ['export', '--mysql-url', source.url, '--pg-url', target.url], {
        cwd,
        env: { PATH: process.env['PATH'] },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // The reader goes away before conv writes anything on stdout.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(stderr).not.toContain('EPIPE');
      expect(code).toBe(ExitCode.ok);
      const log = await readAuditLog(join(cwd, 'migration_log.json'));
      expect(log.migration_runs.map((e) => e.status)).toEqual(['started', 'in_progress', 'completed']);
    });
  });
});
