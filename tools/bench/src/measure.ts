import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';

export interface ChildRun {
  wallMs: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs a command, stdout captured (or sent to /dev/null), and times it. */
export function runTimed(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; discardStdout?: boolean; onStderr?: (line: string) => void } = {},
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const began = process.hrtime.bigint();
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.discardStdout ? openSync('/dev/null', 'w') : 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (options.onStderr) for (const line of d.split('\n')) if (line.trim()) options.onStderr(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ wallMs: Number(process.hrtime.bigint() - began) / 1e6, stdout, stderr, code });
    });
  });
}

export const MB = 1024 * 1024;

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}
