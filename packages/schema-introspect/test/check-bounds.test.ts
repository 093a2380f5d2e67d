// Issue 13 item 12: values `check` passed that then failed the load — a double beyond `real`, and
// dates that do not exist (stored under ALLOW_INVALID_DATES).
import type { Finding } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckReport,
  checkExitCode,
  checkMigration,
  introspectMysql,
  introspectPg,
  planMigration,
} from '../src/index.js';

describe('check: values beyond real, dates that do not exist', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(`
SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
CREATE TABLE t_real (id int PRIMARY KEY, r double NULL, d decimal(65,0) NULL);
INSERT INTO t_real VALUES (1, 1.5, 1), (2, 1e300, 1), (3, -1e39, 1e40), (4, 1e-300, 0), (5, 0, 0), (6, 3.4e38, 1);
CREATE TABLE t_cal (id int PRIMARY KEY, d date NULL, ts datetime NOT NULL);
INSERT INTO t_cal VALUES (1, '2021-02-28', '2020-02-29 10:00:00'), (2, '2021-02-30', '2021-04-31 08:30:00'),
  (3, '2021-02-29', '2021-01-31 00:00:00');
`);
  });
  const target = usePgDatabase(async (db) => {
    await db.query(`
CREATE TABLE t_real (id int PRIMARY KEY, r real, d real);
CREATE TABLE t_cal (id int PRIMARY KEY, d date, ts timestamp NOT NULL);
`);
  });
  let report: CheckReport;
  beforeAll(async () => {
    const source = await introspectMysql(my.conn);
    const tgt = await introspectPg(target.client);
    report = await checkMigration({
      mysql: my.conn,
      plan: planMigration(source, tgt),
      source,
      target: tgt,
      sampleSize: 5,
    });
  });
  const find = (code: string, table: string, column: string): Finding => {
    const hits = report.findings.filter((f) => f.code === code && f.table === table && f.column === column);
    expect(hits, `${code} on ${table}.${column}`).toHaveLength(1);
    return hits[0]!;
  };
  const keys = (f: Finding) => f.samples.map((s) => s.key['id']);

  it('a double of 1e300 (and -1e39, 1e-300) bound for real is an error; 3.4e38 is not', () => {
    const r = find('out-of-range', 't_real', 'r');
    expect(r).toMatchObject({ severity: 'error', count: 3 });
    expect(keys(r)).toEqual(['2', '3', '4']);
    expect(r.fix).toContain('double precision');
    expect(keys(find('out-of-range', 't_real', 'd'))).toEqual(['3']);
    expect(checkExitCode(report)).toBe(3);
  });

  it('2021-02-30, 2021-02-29 and 2021-04-31 are errors; 2020-02-29 is a date', () => {
    const d = find('invalid-date', 't_cal', 'd');
    expect(d).toMatchObject({ severity: 'error', count: 2 });
    expect(d.samples.map((s) => s.value)).toEqual(['2021-02-30', '2021-02-29']);
    expect(d.fix).toContain('SET `d` = NULL');
    const ts = find('invalid-date', 't_cal', 'ts');
    expect(keys(ts)).toEqual(['2']);
  });

  it('what check flags is what PostgreSQL refuses, and the fix makes the values loadable', async () => {
    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    try {
      for (const v of ['1e300', '-1e39', '1e-300'])
        await expect(c.query('SELECT $1::real', [v])).rejects.toThrow(/out of range/);
      await expect(c.query("SELECT '2021-02-30'::date")).rejects.toThrow(/out of range/);
      await c.query("SELECT '3.4e38'::real, '2020-02-29'::date");
    } finally {
      await c.end();
    }
    const ts = find('invalid-date', 't_cal', 'ts');
    await my.query(`SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; ${ts.fix}`);
    const [row] = await my.query<{ v: string }[]>('SELECT CAST(ts AS CHAR) AS v FROM t_cal WHERE id = 2');
    expect(row?.v).toBe('2021-04-30 08:30:00');
  });
});
