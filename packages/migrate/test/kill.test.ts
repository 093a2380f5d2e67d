// Must show: kill -9 of the process while it migrates (COPY running) leaves the target as it was.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { bundleWorker, useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';

// 100,000 rows of ~200 bytes: the COPY runs long enough to be killed in the middle.
const MYSQL = `
CREATE TABLE digits (d INT PRIMARY KEY);
INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
CREATE TABLE big (id INT PRIMARY KEY, body VARCHAR(255));
INSERT INTO big SELECT a.d*10000 + b.d*1000 + c.d*100 + e.d*10 + f.d + 1, REPEAT(MD5(a.d*10000 + b.d*1000 + c.d*100 + e.d*10 + f.d), 6)
  FROM digits a, digits b, digits c, digits e, digits f;
`;
const PG = `
CREATE TABLE big (id integer PRIMARY KEY, body varchar(255));
CREATE INDEX big_body ON big (body);
INSERT INTO big VALUES (1, 'old'), (2, 'old');
`;

describe('kill -9 mid-migrate', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(MYSQL);
  });
  const pg = usePgDatabase(async (db) => {
    await db.query(PG);
  });
  const out = mkdtempSync(join(tmpdir(), 'conv-migrate-kill-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('leaves the target exactly as it was (rows, index), and a later migrate completes', async () => {
    const worker = await bundleWorker(
      fileURLToPath(new URL('./workers/migrate-worker.ts', import.meta.url)),
      out,
    );
    const full = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    const plan = { ...full, tables: full.tables.filter((t) => t.source === 'big') };
    // The target holds rows: replacing them must be asked for (--replace).
    const options = { mysqlUrl: my.url, pgUrl: pg.url, plan, outDir: out, app: 'kill', replace: true };
    const child = spawn(process.execPath, [worker, JSON.stringify(options)], { stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    // Kill once PostgreSQL has received part of the COPY.
    let copying = false;
    for (let i = 0; i < 600 && !copying && child.exitCode === null; i++) {
      const [row] = await pg.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid)
          WHERE a.datname = current_database() AND p.tuples_processed > 1000`,
      );
      copying = row!.n !== '0';
      if (!copying) await new Promise((r) => setTimeout(r, 50));
    }
    expect(copying).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    // PostgreSQL ends the orphaned backend (and rolls back its transaction) when it sees the socket closed.
    for (let i = 0; i < 200; i++) {
      const [row] = await pg.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      if (row!.n === '0') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await pg.query(`SELECT id, body FROM big ORDER BY id`)).toEqual([
      { id: 1, body: 'old' },
      { id: 2, body: 'old' },
    ]);
    const [idx] = await pg.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_indexes WHERE indexname = 'big_body'`,
    );
    expect(idx!.n).toBe('1');

    await new Promise<void>((resolve, reject) => {
      const again = spawn(process.execPath, [worker, JSON.stringify({ ...options, app: 'again' })], {
        stdio: 'ignore',
      });
      again.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    });
    const [n] = await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM big`);
    expect(n!.n).toBe('100000');
  });
});
