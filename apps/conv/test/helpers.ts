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

/**
 * MySQL: table `name` of 100,000 rows and 120 MB, made from a digits cross join (no sequence engine), and a
 * two-row `small`: a read of `name` lasts seconds, long enough to kill or interrupt it on a busy machine.
 */
export function largeTableSql(name: string): string {
  return `
    CREATE TABLE digits (i int PRIMARY KEY);
    INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
    CREATE TABLE ${name} (id int PRIMARY KEY, v varchar(1200));
    INSERT INTO ${name} SELECT a.i + 10 * b.i + 100 * c.i + 1000 * d.i + 10000 * e.i + 1, REPEAT('x', 1200)
      FROM digits a, digits b, digits c, digits d, digits e;
    CREATE TABLE small (id int PRIMARY KEY);
    INSERT INTO small VALUES (1), (2);
    DROP TABLE digits;`;
}
