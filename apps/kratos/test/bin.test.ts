// The built `conv` executable once through a real process: exit codes reach the shell, output is flushed.
// @conv/cli is built before this package's tests (turbo `^build`); run `pnpm turbo run build --filter=@conv/cli`
// when running vitest by hand.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../conv/dist/bin.js', import.meta.url));
if (!existsSync(BIN))
  console.warn(`${BIN} not built: bin test skipped (pnpm turbo run build --filter=@conv/cli)`);

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { PATH: process.env['PATH'] ?? '' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe.skipIf(!existsSync(BIN))('the built conv executable', () => {
  it('exits 0 after logging an event, and 2 with a readable message on bad configuration', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'conv-bin-'));
    const ok = await run(['log', 'started', 'from the shell', '--log-file', 'log.json'], cwd);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('logged started for run');
    const log = JSON.parse(readFileSync(join(cwd, 'log.json'), 'utf8')) as {
      migration_runs: { message: string }[];
    };
    expect(log.migration_runs[0]?.message).toBe('from the shell');

    const bad = await run(['check', '--pg-url', 'http://u:Secret-9@x/db', '--mysql-database', 'a'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--pg-url');
    expect(bad.stderr + bad.stdout).not.toContain('Secret-9');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
