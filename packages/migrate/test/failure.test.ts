// Must show: a failure in one of several tables loading in parallel leaves the target untouched in
// single-transaction mode, and resumable in per-table mode (committed tables stay, the re-run loads only
// the rest); and the rejected row is named.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvError, ExitCode, type MigrationPlan } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../src/index.js';

// 1,000 rows per table from a 10-row digits table (portable: no MariaDB sequence engine, no CTE limits).
const thousand = (table: string, value: string) =>
  `INSERT INTO ${table} SELECT a.d * 100 + b.d * 10 + c.d + 1, ${value} FROM digits a, digits b, digits c;`;
const MYSQL = `
CREATE TABLE digits (d INT PRIMARY KEY);
INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20));
CREATE TABLE b (id INT PRIMARY KEY, v VARCHAR(20));
CREATE TABLE c (id INT PRIMARY KEY, v VARCHAR(20));
${thousand('a', "CONCAT('a', a.d, b.d, c.d)")}
${thousand('b', "IF(a.d * 100 + b.d * 10 + c.d + 1 = 500, 'bad', CONCAT('b', a.d, b.d, c.d))")}
${thousand('c', "CONCAT('c', a.d, b.d, c.d)")}
`;
// PostgreSQL refuses b's row 500 (a CHECK the plan cannot see: found only while loading).
const PG = `
CREATE TABLE a (id integer PRIMARY KEY, v varchar(20));
CREATE INDEX a_v ON a (v);
CREATE TABLE b (id integer PRIMARY KEY, v varchar(20) CHECK (v <> 'bad'));
CREATE TABLE c (id integer PRIMARY KEY, v varchar(20));
`;
const OLD = `INSERT INTO a VALUES (1, 'old'); INSERT INTO b VALUES (1, 'old'); INSERT INTO c VALUES (1, 'old');`;

describe('a failing table among several loading in parallel', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(MYSQL);
  });
  const pg = usePgDatabase(async (db) => {
    await db.query(PG);
  });
  const out = mkdtempSync(join(tmpdir(), 'conv-migrate-fail-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let plan: MigrationPlan;
  // One query after the other: a pg client runs one at a time (pg 9 refuses overlapping calls).
  const contents = async () => {
    const out: Record<string, string> = {};
    for (const t of ['a', 'b', 'c']) {
      const [r] = await pg.query<{ n: string; s: string | null }>(
        `SELECT count(*)::text AS n, string_agg(v, ',' ORDER BY id) FILTER (WHERE id <= 2) AS s FROM ${t}`,
      );
      out[t] = `${r!.n}:${r!.s}`;
    }
    return out;
  };

  beforeAll(async () => {
    plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
  });
  beforeEach(async () => {
    await pg.query(`TRUNCATE a, b, c; ${OLD}`);
    await my.query(`UPDATE b SET v = 'bad' WHERE id = 500`);
  });

  it('single-transaction: the rejected row is named and the target is exactly as it was', async () => {
    const before = await contents();
    const err = await migrate({
      mysqlUrl: my.url,
      pgUrl: pg.url,
      plan: { ...plan, tables: plan.tables.filter((t) => t.source !== 'digits') },
      outDir: out,
      app: 'single',
      jobs: 3,
      replace: true, // the target holds rows
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.exitCode).toBe(ExitCode.loadFailed);
    expect(e.message).toMatch(
      /table public\.b \(rows streamed from MySQL table b\), row 500 in the order MySQL sent them/,
    );
    expect(e.message).toContain('b_v_check');
    expect(await contents()).toEqual(before);
    const [idx] = await pg.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_indexes WHERE indexname = 'a_v'`,
    );
    expect(idx!.n).toBe('1');
  });

  it('per-table with 3 connections: committed tables stay, state says which; the re-run loads only the rest', async () => {
    const options = {
      mysqlUrl: my.url,
      pgUrl: pg.url,
      plan: { ...plan, tables: plan.tables.filter((t) => t.source !== 'digits') },
      outDir: out,
      app: 'per-table',
      dirName: 'resumable',
      mode: 'per-table' as const,
      jobs: 3,
      replace: true, // the target holds rows
    };
    const err = await migrate(options).catch((e: unknown) => e);
    expect((err as ConvError).exitCode).toBe(ExitCode.loadFailed);
    const state = JSON.parse(
      readFileSync(join(out, 'per-table', 'resumable', 'import_state.json'), 'utf8'),
    ) as {
      done: string[];
      phase: string;
    };
    expect(state.phase).toBe('loading');
    expect(state.done).not.toContain('b');
    const after = await contents();
    expect(after['b']).toBe('0:null'); // truncated by the committed setup, its load rolled back
    for (const t of state.done) expect(after[t]).toMatch(/^1000:/);

    await my.query(`UPDATE b SET v = 'fixed' WHERE id = 500`);
    const resumed = await migrate(options);
    expect(resumed.resumed.sort()).toEqual([...state.done].sort());
    expect(resumed.loaded.map((t) => t.table)).toContain('b');
    expect(await contents()).toEqual({ a: '1000:a000,a001', b: '1000:b000,b001', c: '1000:c000,c001' });
    expect(existsSync(join(out, 'per-table', 'resumable', 'import_state.json'))).toBe(true);
  });
});
