// Issue 13 item 3: no wait without a bound. A listener that accepts TCP and never answers, a PostgreSQL
// backend stopped mid-COPY (SIGSTOP of the backend of this test's own import connection, always
// SIGCONT-ed), and an operator's SIGTERM (the abort signal) all end the import promptly with an error
// naming the server, and nothing of the load is kept.
import { createServer, type Server } from 'node:net';
import { ConvError, ExitCode } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { copyBackend, removeDir, writeExport } from './helpers.js';

const ROWS = 300_000;
const db = usePgDatabase(async (d) => {
  await d.query(`CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big VALUES (-1, 'kept')`);
});
let dir: string;
beforeAll(() => {
  const rows = Array.from({ length: ROWS }, (_, i) => [String(i), `row ${i} ${'x'.repeat(50)}`]);
  dir = writeExport([{ table: 'big', columns: ['id', 'body'], rows }]);
});
afterAll(() => removeDir(dir));

async function failure(p: Promise<unknown>): Promise<ConvError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConvError);
  return err as ConvError;
}

const kept = async () => db.query('SELECT id, body FROM big ORDER BY id LIMIT 2');

describe('bounded waits', () => {
  it('a listener that accepts TCP and never answers: connect timeout naming the server (exit 5)', async () => {
    const sockets: import('node:net').Socket[] = [];
    const server: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const err = await failure(
        importDirectory({
          replace: true,
          pgUrl: `postgres://u:pw@127.0.0.1:${port}/db`,
          dir,
          timeouts: { connectMs: 1500 },
        }),
      );
      expect(err.exitCode).toBe(ExitCode.connection);
      expect(err.message).toContain(`127.0.0.1:${port}`);
      expect(err.message).toMatch(/timeout/i);
      expect(err.message).not.toContain('pw');
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  }, 30_000);

  it('a backend stopped mid-COPY: stall timeout naming the server, rolled back', async () => {
    const running = failure(
      importDirectory({ replace: true, pgUrl: db.url, dir, timeouts: { stallMs: 2000 } }),
    );
    const pid = await copyBackend(db);
    process.kill(pid, 'SIGSTOP');
    // Whatever happens to this test, the backend runs again (the test's own connection, never the server's).
    const safety = setTimeout(() => process.kill(pid, 'SIGCONT'), 15_000);
    let err: ConvError;
    try {
      err = await running;
    } finally {
      clearTimeout(safety);
      process.kill(pid, 'SIGCONT');
    }
    expect(err.code).toBe('connect.stalled');
    expect(err.exitCode).toBe(ExitCode.connection);
    expect(err.message).toMatch(
      /PostgreSQL server 127\.0\.0\.1:\d+ did not take any data of public\.big for 2 s/,
    );
    expect(await kept()).toEqual([{ id: -1, body: 'kept' }]);
  }, 60_000);

  it('SIGTERM (abort) mid-COPY: stops at once with exit 130, rolled back', async () => {
    const controller = new AbortController();
    const running = failure(
      importDirectory({ replace: true, pgUrl: db.url, dir, signal: controller.signal }),
    );
    await copyBackend(db);
    controller.abort();
    const err = await running;
    expect(err.code).toBe('process.interrupted');
    expect(err.exitCode).toBe(ExitCode.interrupted);
    expect(await kept()).toEqual([{ id: -1, body: 'kept' }]);
  }, 60_000);
});
