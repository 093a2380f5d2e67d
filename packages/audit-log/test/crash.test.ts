import { type ChildProcess, spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent, openAuditLog, readAuditLog } from '../src/index.js';

let dir: string;
let worker: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conv-audit-crash-'));
  worker = await bundleWorker(fileURLToPath(new URL('./workers/append-worker.ts', import.meta.url)), dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exited = (child: ChildProcess) =>
  new Promise<void>((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) resolvePromise();
    else child.once('exit', () => resolvePromise());
  });

/**
 * Starts a writer and SIGKILLs it the moment its temp file appears, i.e. while it holds the lock and is
 * writing the new version. Returns whether the kill landed mid-write (its temp file was left behind).
 */
async function killMidWrite(logDir: string, file: string): Promise<boolean> {
  const child = spawn(process.execPath, [worker, file, 'crash', '1', String(64 * 1024)], { stdio: 'ignore' });
  const watcher = watch(logDir, (_event, name) => {
    if (name?.includes('.conv-tmp-')) child.kill('SIGKILL');
  });
  await exited(child);
  watcher.close();
  const names = await readdir(logDir);
  return child.signalCode === 'SIGKILL' && names.some((n) => n.includes('.conv-tmp-'));
}

describe('crash safety', () => {
  it('a writer killed mid-write leaves the previous file whole, and the next writer takes over', async () => {
    const logDir = join(dir, 'kill');
    await mkdir(logDir);
    const file = join(logDir, 'migration_log.json');
    // A few MB of history so that writing the new version takes long enough to be interrupted.
    const history = Array.from({ length: 1500 }, (_, i) =>
      buildEvent({ runId: 'history', status: 'completed', message: `event ${i} ${'h'.repeat(2000)}` }),
    );
    await writeFile(file, JSON.stringify({ migration_runs: history }, null, 2));

    let interrupted = 0;
    for (let attempt = 0; attempt < 6 && interrupted === 0; attempt++) {
      const before = await readFile(file, 'utf8');
      const hit = await killMidWrite(logDir, file);
      const after = await readFile(file, 'utf8');
      if (hit) {
        interrupted++;
        expect(after).toBe(before); // the previous valid file, byte for byte
      }
      // Whatever the moment of the kill, the file parses and lost nothing.
      const parsed = JSON.parse(after) as { migration_runs: unknown[] };
      expect(parsed.migration_runs.length).toBeGreaterThanOrEqual(history.length);
    }
    expect(interrupted, 'no kill landed while the temp file was being written').toBeGreaterThan(0);

    // The dead writer's lock is still there; it goes stale and the next append takes it over.
    await expect(stat(`${file}.lock`)).resolves.toBeDefined();
    const log = openAuditLog({ file, staleMs: 2000 });
    await log.append({ runId: 'after-crash', status: 'completed', message: 'recovered' });
    const contents = await readAuditLog(file);
    expect(contents.migration_runs.at(-1)?.message).toBe('recovered');
    expect(contents.migration_runs.slice(0, history.length)).toEqual(history);
    // Leftover temp files of the killed writers were removed under the lock.
    expect((await readdir(logDir)).filter((n) => n.includes('.conv-tmp-'))).toEqual([]);
  });
});
