// The built executables, for tests that need a real process (shebang, signals, pipes, a terminal).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const CONV_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** Builds apps/conv and what it depends on (turbo: cached when nothing changed). */
export function buildConv(): void {
  const res = spawnSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@conv/cli...', '--output-logs=errors-only'],
    { cwd: REPO, encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`build failed:\n${res.stdout}\n${res.stderr}`);
}
