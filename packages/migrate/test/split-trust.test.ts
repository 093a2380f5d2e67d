// Must show: a split table is never left worse than a whole one. A resume whose key ranges moved (the
// source changed since) is refused instead of skipping rows that crossed a bound; a duplicate in a unique
// index fails only its range, with the index in place; under replica, a table with deferrable unique keys
// loads whole, and the result says so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvError, ExitCode, type MigrationPlan } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/index.js';

const MYSQL = `
CREATE TABLE digits (d INT PRIMARY KEY);
INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(40));
INSERT INTO big SELECT e.d * 1000 + a.d * 100 + b.d * 10 + c.d + 1, 'ok'
  FROM digits a, digits b, digits c, (SELECT d FROM digits WHERE d < 4) e;
`;

describe('split tables under failure and resume', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(MYSQL);
  });
  const plain = usePgDatabase(async (db) => {
    await db.query(`CREATE TABLE big (id integer PRIMARY KEY, v varchar(40) CHECK (v <> 'bad'));
                    CREATE INDEX big_v ON big (v);`);
  });
  const unique = usePgDatabase(async (db) => {
    await db.query(`CREATE TABLE big (id integer PRIMARY KEY, v varchar(40));
                    CREATE UNIQUE INDEX big_v ON big (v) WHERE v <> 'ok';`);
  });
  const deferrable = usePgDatabase(async (db) => {
    await db.query(`CREATE TABLE big (id integer PRIMARY KEY, v varchar(40),
                      CONSTRAINT big_v UNIQUE (v, id) DEFERRABLE INITIALLY DEFERRED);`);
  });
  const out = mkdtempSync(join(tmpdir(), 'conv-migrate-split-trust-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const planFor = async (pg: { client: Parameters<typeof introspectPg>[0] }): Promise<MigrationPlan> => {
    const p = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    return {
      ...p,
      tables: p.tables
        .filter((t) => t.source !== 'digits')
        .map((t) => (t.source === 'big' ? { ...t, approxBytes: 1e9 } : t)),
    };
  };
  const options = (pgUrl: string, plan: MigrationPlan, app: string) => ({
    mysqlUrl: my.url,
    pgUrl,
    plan,
    outDir: out,
    app,
    dirName: 'run',
    mode: 'per-table' as const,
    splitMinMb: 0,
    jobs: 2,
    replace: true,
  });

  it('a resume whose key ranges moved is refused (rows that crossed a bound are not skipped)', async () => {
    await my.query(`UPDATE big SET v = 'bad' WHERE id = 3000`);
    const opts = options(plain.url, await planFor(plain), 'moved');
    const first = await migrate(opts).catch((e: unknown) => e);
    expect((first as ConvError).exitCode).toBe(ExitCode.loadFailed);
    // Range 1 (ids 1..2000) committed, range 2 failed; its index stayed in place.
    const [mid] = await plain.query<{ n: string; idx: boolean }>(
      `SELECT count(*)::text AS n, to_regclass('public.big_v') IS NOT NULL AS idx FROM big`,
    );
    expect(mid).toEqual({ n: '2000', idx: true });
    await my.query(`UPDATE big SET v = 'ok' WHERE id = 3000`);
    await my.query('DELETE FROM big WHERE id = 5');
    const again = await migrate(opts).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConvError);
    expect((again as ConvError).code).toBe('import.state-mismatch');
    expect((again as ConvError).message).toContain('cuts at other keys (the source changed since)');
    await my.query(`INSERT INTO big VALUES (5, 'ok')`);
  });

  it('a duplicate in a unique index fails its own range only; the index is never missing', async () => {
    await my.query(`UPDATE big SET v = 'dup' WHERE id IN (10, 3000)`);
    try {
      const err = await migrate(options(unique.url, await planFor(unique), 'unique')).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConvError);
      expect((err as ConvError).exitCode).toBe(ExitCode.loadFailed);
      expect((err as ConvError).message).toContain('big_v');
      const [left] = await unique.query<{ n: string; idx: boolean }>(
        `SELECT count(*)::text AS n, to_regclass('public.big_v') IS NOT NULL AS idx FROM big`,
      );
      // Whichever range came second was refused and rolled back alone.
      expect(left).toEqual({ n: '2000', idx: true });
    } finally {
      await my.query(`UPDATE big SET v = 'ok' WHERE id IN (10, 3000)`);
    }
  });

  it('under replica, deferrable unique keys keep the table whole, and the result says why', async () => {
    const r = await migrate({
      ...options(deferrable.url, await planFor(deferrable), 'deferrable'),
      fkStrategy: 'replica',
    });
    expect(r.split).toEqual([
      expect.objectContaining({ table: 'big', parts: 1, reason: expect.stringMatching(/deferrable unique/) }),
    ]);
    expect(r.loadedWhole).toEqual([{ table: 'big', reason: expect.stringMatching(/deferrable unique/) }]);
    expect(r.loaded.find((t) => t.table === 'big')).toMatchObject({ rows: 4000 });
    expect(r.loaded.find((t) => t.table === 'big')?.parts).toBeUndefined();
  });
});
