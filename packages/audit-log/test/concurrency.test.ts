import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEventSchema, readAuditLog } from '../src/index.js';

let dir: string;
let worker: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conv-audit-conc-'));
  worker = await bundleWorker(fileURLToPath(new URL('./workers/append-worker.ts', import.meta.url)), dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolvePromise({ code, stderr }));
  });
}

describe('concurrent writers', () => {
  it('N processes appending M events each leave valid JSON holding all N×M events', async () => {
    const file = join(dir, 'migration_log.json');
    const N = 6;
    const M = 20;
    const results = await Promise.all(Array.from({ length: N }, (_, w) => run([file, String(w), String(M)])));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });

    const raw = JSON.parse(await readFile(file, 'utf8')) as { migration_runs: unknown[] };
    expect(raw.migration_runs).toHaveLength(N * M);
    for (const entry of raw.migration_runs) AuditEventSchema.parse(entry);

    const log = await readAuditLog(file);
    expect(log.foreign).toEqual([]);
    const seen = new Set(log.migration_runs.map((e) => e.message));
    for (let w = 0; w < N; w++) {
      // Each process's own events keep their order.
      const own = log.migration_runs.filter((e) => e.runId === `worker-${w}`).map((e) => e.rows);
      expect(own).toEqual(Array.from({ length: M }, (_, i) => i));
      for (let i = 0; i < M; i++) expect(seen.has(`worker ${w} event ${i}`)).toBe(true);
    }
    expect(new Set(log.migration_runs.map((e) => e.pid)).size).toBe(N);
  });
});
