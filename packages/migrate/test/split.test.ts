// Must show: a table split into primary-key ranges (integer key, char(36) UUID key) loads value for value
// what the unsplit load does, keeps one CSV file per table that `import` accepts, and a failure in one
// range leaves a resumable target whose re-run completes exactly once (no duplicates); a split table keeps
// its secondary indexes throughout (each range commits on its own).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvError, ExitCode, type MigrationPlan, silentProgress } from '@conv/core';
import { importDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/index.js';
import { compareDatabases } from './compare.js';

// 4,000 rows per table from a 10-row digits table (portable: no sequence engine, no CTE limits).
const rows = (table: string, values: string) =>
  `INSERT INTO ${table} SELECT ${values} FROM digits a, digits b, digits c, (SELECT d FROM digits WHERE d < 4) e;`;
const N = 'e.d * 1000 + a.d * 100 + b.d * 10 + c.d + 1';
const MYSQL = `
CREATE TABLE digits (d INT PRIMARY KEY);
INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(40), w INT);
CREATE TABLE uu (id CHAR(36) PRIMARY KEY, v VARCHAR(40), big_id INT);
CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(10));
${rows('big', `${N}, CONCAT('v', ${N}), (${N}) % 97`)}
${rows('uu', `UUID(), CONCAT('u', ${N}), ${N}`)}
INSERT INTO small VALUES (1, 'x'), (2, 'y');
`;
const PG = `
CREATE TABLE big (id integer PRIMARY KEY, v varchar(40) CHECK (v <> 'bad'), w integer);
CREATE INDEX big_v ON big (v);
CREATE TABLE uu (id uuid PRIMARY KEY, v varchar(40), big_id integer REFERENCES big (id));
CREATE INDEX uu_v ON uu (v);
CREATE TABLE small (id integer PRIMARY KEY, v varchar(10));
`;

describe('tables split into primary-key ranges', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(MYSQL);
  });
  const split = usePgDatabase(async (db) => {
    await db.query(PG);
  });
  const whole = usePgDatabase(async (db) => {
    await db.query(PG);
  });
  const out = mkdtempSync(join(tmpdir(), 'conv-migrate-split-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let plan: MigrationPlan;
  // The estimates decide the split: big and uu weigh far more than the rest.
  const heavy = (p: MigrationPlan, names: string[]): MigrationPlan => ({
    ...p,
    tables: p.tables
      .filter((t) => t.source !== 'digits')
      .map((t) => (names.includes(t.source) ? { ...t, approxBytes: 1e9 } : t)),
  });
  const base = () => ({ mysqlUrl: my.url, outDir: out, mode: 'per-table' as const, splitMinMb: 0 });

  beforeAll(async () => {
    plan = planMigration(await introspectMysql(my.url), await introspectPg(split.client));
  });

  it('integer and char(36) UUID keys: the split load equals the unsplit one, value for value; one CSV per table', async () => {
    // The progress counts a split table once (with its last range), its rows once per range.
    const finished: { table: string; rows: number; tables: number }[] = [];
    const progress = {
      ...silentProgress,
      finish: (table: string, rows: number, _bytes: number, tables = 1) =>
        finished.push({ table, rows, tables }),
    };
    const r = await migrate({
      ...base(),
      pgUrl: split.url,
      plan: heavy(plan, ['big', 'uu']),
      app: 'split',
      jobs: 4,
      keepCsv: true,
      progress,
    });
    expect(r.split.map((d) => [d.table, d.parts])).toEqual([
      ['big', 2],
      ['uu', 2],
    ]);
    expect(finished.reduce((n, f) => n + f.tables, 0)).toBe(3);
    expect(finished.filter((f) => f.table.startsWith('big [')).map((f) => f.rows)).toEqual([2000, 2000]);
    const parts = Object.fromEntries(r.loaded.map((t) => [t.table, t.parts ?? 1]));
    expect(parts).toEqual({ big: 2, uu: 2, small: 1 });
    // Split tables keep their indexes through the load: none of theirs was dropped and rebuilt.
    expect(r.deferredIndexes.map((d) => d.table)).toEqual([]);

    const unsplit = await migrate({
      ...base(),
      pgUrl: whole.url,
      plan: heavy(plan, []),
      app: 'whole',
      jobs: 1,
    });
    expect(unsplit.split).toEqual([]);
    expect(unsplit.loaded.every((t) => t.parts === undefined)).toBe(true);
    expect(await compareDatabases(split, whole, ['big', 'uu', 'small'])).toEqual([]);
    const indexes = await split.query<{ n: string }>(
      `SELECT indexname AS n FROM pg_indexes WHERE schemaname = 'public' AND indexname IN ('big_v', 'uu_v') ORDER BY 1`,
    );
    expect(indexes.map((i) => i.n)).toEqual(['big_v', 'uu_v']);

    // One file per table, no part file left, counts right: the directory is an export `import` accepts.
    expect(readdirSync(r.dir).filter((f) => f.includes('.part'))).toEqual([]);
    expect(Object.fromEntries(r.manifest!.tables.map((t) => [t.table, t.rows]))).toMatchObject({
      big: 4000,
      uu: 4000,
      small: 2,
    });
    const header = readFileSync(join(r.dir, r.manifest!.tables.find((t) => t.table === 'big')!.file), 'utf8');
    expect(header.match(/^id,v,w$/gm)).toHaveLength(1);
    await importDirectory({ pgUrl: whole.url, dir: r.dir, replace: true });
    expect(await compareDatabases(split, whole, ['big', 'uu', 'small'])).toEqual([]);
  });

  it('single-transaction does not split (one connection), and says so', async () => {
    const r = await migrate({
      ...base(),
      pgUrl: whole.url,
      plan: heavy(plan, ['big']),
      app: 'single',
      mode: 'single-transaction',
      jobs: 3,
      replace: true,
    });
    expect(r.split).toEqual([
      expect.objectContaining({
        table: 'big',
        parts: 1,
        reason: expect.stringMatching(/single-transaction/),
      }),
    ]);
    expect(r.loaded.find((t) => t.table === 'big')!.rows).toBe(4000);
  });

  it('per-table: a failure in one range leaves committed ranges and the state; the re-run loads the rest exactly once', async () => {
    await my.query(`UPDATE big SET v = 'bad' WHERE id = 2000`);
    const options = {
      ...base(),
      pgUrl: split.url,
      plan: heavy(plan, ['big']),
      app: 'resume',
      dirName: 'run',
      jobs: 3,
      replace: true,
    };
    const err = await migrate(options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvError);
    expect((err as ConvError).exitCode).toBe(ExitCode.loadFailed);
    expect((err as ConvError).message).toMatch(/big_v_check/);
    // Row 666 of range 2 (ids 1335..2668) is id 2000.
    expect((err as ConvError).message).toContain(
      '(rows streamed from MySQL table big, key range 2/3), row 666 in the order MySQL sent them',
    );
    const stateFile = join(out, 'resume', 'run', 'import_state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      done: string[];
      split: Record<string, { parts: number; bounds: string; done: number[] }>;
    };
    expect(state.done).not.toContain('big');
    expect(state.split['big']!.parts).toBe(3);
    expect(state.split['big']!.done).not.toContain(2); // ids 1335..2668 (ranges of 1334, 1334, 1332 rows)
    expect(JSON.parse(state.split['big']!.bounds)).toHaveLength(3);
    const [mid] = await split.query<{ n: string; dropped: boolean }>(
      `SELECT count(*)::text AS n, to_regclass('public.big_v') IS NULL AS dropped FROM big`,
    );
    const sizes = [0, 1334, 1334, 1332];
    expect(Number(mid!.n)).toBe(state.split['big']!.done.reduce((n, i) => n + sizes[i]!, 0));
    // The committed ranges are there with their index: nothing of the schema waits for a re-run.
    expect(mid!.dropped).toBe(false);

    // A range committed by a run that died before writing the state: found by its row count, not loaded twice.
    // Ranges 1 and 3 loaded side by side with the failing one, on their own connections, and committed.
    expect([...state.split['big']!.done].sort()).toEqual([1, 3]);
    state.split['big']!.done = [3];
    writeFileSync(stateFile, JSON.stringify(state));

    await my.query(`UPDATE big SET v = 'fixed' WHERE id = 2000`);
    const resumed = await migrate(options);
    // Only range 2 was loaded again (range 1 recognised by its count in the target, 3 by the state).
    expect(resumed.loaded.find((t) => t.table === 'big')).toMatchObject({ parts: 3, rows: 1334 });
    const [end] = await split.query<{ n: string; ids: string; v: string; idx: boolean }>(
      `SELECT count(*)::text AS n, count(DISTINCT id)::text AS ids,
              (SELECT v FROM big WHERE id = 2000) AS v, to_regclass('public.big_v') IS NOT NULL AS idx FROM big`,
    );
    expect(end).toEqual({ n: '4000', ids: '4000', v: 'fixed', idx: true });
    const final = JSON.parse(readFileSync(stateFile, 'utf8')) as { phase: string };
    expect(final.phase).toBe('completed');
  });
});
