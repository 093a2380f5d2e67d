import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliOptions, runCli } from '../src/index.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for "never printed" assertions. */
  all: string;
}

/** Runs the CLI in-process with captured output, no process environment, in `cwd`. */
export async function cli(
  argv: string[],
  options: Partial<CliOptions> & { name?: string; onStderr?: (text: string) => void } = {},
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const { onStderr, ...rest } = options;
  const code = await runCli(argv, {
    name: 'conv',
    env: {},
    cwd: options.cwd ?? tempDir(),
    ...rest,
    io: {
      stdout: { write: (s: string) => (stdout += s), isTTY: false },
      stderr: {
        write: (s: string) => {
          stderr += s;
          onStderr?.(s);
          return true;
        },
        isTTY: false,
      },
    },
  });
  return { code, stdout, stderr, all: stdout + stderr };
}

export function tempDir(prefix = 'conv-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
