// The built executables, for tests that need a real process (shebang, signals, pipes, a terminal).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const CONV_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/**
 * Builds apps/conv and what it depends on (turbo: cached when nothing changed), once per test run: test
 * files run in parallel workers, and a second build — even a cache replay, which rewrites dist/ — while
 * another file runs the executable makes that one fail with "Cannot find module dist/bin.js".
 */
export async function buildConv(): Promise<void> {
  // Workers are forks of one vitest process: its pid names this test run.
  const done = join(tmpdir(), `conv-test-built-${process.ppid}`);
  const lock = `${done}.lock`;
  for (;;) {
    if (existsSync(done)) return;
    try {
      mkdirSync(lock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (existsSync(done)) return;
    // Under the root `pnpm test`, turbo built everything before this test ran: building again (even a
    // cache replay) would rewrite dist/ while other packages' builds read it.
    if (builtFresh()) {
      writeFileSync(done, '');
      return;
    }
    const res = spawnSync(
      'pnpm',
      ['exec', 'turbo', 'run', 'build', '--filter=@conv/cli...', '--output-logs=errors-only'],
      { cwd: REPO, encoding: 'utf8' },
    );
    if (res.status !== 0) throw new Error(`build failed:\n${res.stdout}\n${res.stderr}`);
    writeFileSync(done, '');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

/** Whether every workspace package and the CLI have a dist newer than their sources. */
function builtFresh(): boolean {
  const dirs = [
    join(REPO, 'apps/conv'),
    ...readdirSync(join(REPO, 'packages')).map((name) => join(REPO, 'packages', name)),
  ];
  return dirs.every((dir) => {
    if (!existsSync(join(dir, 'src'))) return true;
    const dist = newest(join(dir, 'dist'));
    return dist > 0 && dist >= newest(join(dir, 'src'));
  });
}

/** The built `conv` as a process of its own (PATH only), its stderr collected: for tests that signal it. */
export function spawnConv(
  args: string[],
  cwd: string,
): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(CONV_BIN, args, {
    cwd,
    env: { PATH: process.env['PATH'] },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((done) => child.on('close', done));
  return { child, stderr: () => stderr, exited };
}
