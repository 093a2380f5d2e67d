import type { Finding } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckReport,
  CheckReportSchema,
  checkExitCode,
  checkMigration,
  formatCheckReport,
  introspectMysql,
  introspectPg,
  planMigration,
} from '../src/index.js';

// One small table per kind of dirty value, planted in MariaDB; the PostgreSQL side declares what each column
// is bound for. Zero dates need a permissive sql_mode for this session only.
const MYSQL_SETUP = `
SET SESSION sql_mode = '';
CREATE TABLE t_uuid (id int PRIMARY KEY, ref char(36) NULL);
INSERT INTO t_uuid VALUES (1, '550e8400-e29b-41d4-a716-446655440000'), (2, 'not-a-uuid'), (3, ''), (4, NULL), (5, 'XYZ');
CREATE TABLE t_notnull (id int PRIMARY KEY, a varchar(10) NULL, u varchar(36) NULL);
INSERT INTO t_notnull VALUES (1, 'x', '550e8400-e29b-41d4-a716-446655440000'), (2, NULL, '550e8400-e29b-41d4-a716-446655440001'),
  (3, 'y', ''), (4, 'z', NULL);
CREATE TABLE t_dates (id int PRIMARY KEY, d datetime NULL, dn date NOT NULL);
INSERT INTO t_dates VALUES (1, '2020-01-01 10:00:00', '2020-01-01'), (2, '0000-00-00 00:00:00', '2020-05-00'),
  (3, '2021-00-10 00:00:00', '0000-00-00');
CREATE TABLE t_bool (id int PRIMARY KEY, flag tinyint(4) NOT NULL);
INSERT INTO t_bool VALUES (1, 0), (2, 1), (3, 2), (4, -1);
CREATE TABLE t_len (id int PRIMARY KEY, title varchar(50) NOT NULL);
INSERT INTO t_len VALUES (1, 'abc'), (2, 'abcdef'), (3, 'ééééééé'), (4, 'ééééé');
CREATE TABLE t_text (id int PRIMARY KEY, body text NULL, raw varbinary(20) NULL,
  wide varchar(10) CHARACTER SET ucs2 NULL, l1 varchar(10) CHARACTER SET latin1 NULL);
INSERT INTO t_text VALUES (1, 'ok', 'ok', 'ab', 'ok'), (2, 'fine', X'61FF62', 'ab', 'ok'),
  (3, X'610062', X'610062', _ucs2 X'006100000062', X'610062'), (4, 'ok', 'ok', 'ab', 'ok'),
  (5, CONCAT(REPEAT('x', 1000), CHAR(0 USING utf8mb4), 'y'), 'ok', 'ab', 'ok');
CREATE TABLE t_json (id int PRIMARY KEY, doc longtext NULL, docb longtext NULL);
CREATE TABLE t_range (id int PRIMARY KEY, big bigint unsigned NOT NULL, small int unsigned NOT NULL);
INSERT INTO t_range VALUES (1, 1, 5), (2, 9223372036854775808, 4294967295), (3, 18446744073709551615, 2147483647);
CREATE TABLE t_enum (id int PRIMARY KEY, status enum('active','inactive','Legacy') NOT NULL, status2 varchar(20) NULL);
INSERT INTO t_enum VALUES (1, 'active', 'active'), (2, 'Legacy', 'ACTIVE'), (3, 'inactive', 'gone');
CREATE TABLE t_parent (id int PRIMARY KEY);
INSERT INTO t_parent VALUES (1), (2);
CREATE TABLE t_child (id int PRIMARY KEY, parent_id int NULL);
INSERT INTO t_child VALUES (1, 1), (2, 3), (3, NULL), (4, 9);
CREATE TABLE t_time (id int PRIMARY KEY, t time NOT NULL);
INSERT INTO t_time VALUES (1, '10:00:00'), (2, '25:00:00'), (3, '-01:00:00');
CREATE TABLE t_num (id int PRIMARY KEY, amount decimal(12,4) NULL, ratio double NULL, i int NULL);
INSERT INTO t_num VALUES (1, 1234.56, 0.5, 99999), (2, 12345, 123.45, 100000), (3, 1.2345, 1000, -99999);
CREATE TABLE t_frac (id int PRIMARY KEY, ts datetime(6) NOT NULL);
INSERT INTO t_frac VALUES (1, '2020-01-01 00:00:00.000000'), (2, '2020-01-01 00:00:00.500000');
`;

const PG_SETUP = `
CREATE TYPE status_t AS ENUM ('active', 'inactive');
CREATE TABLE t_uuid (id int PRIMARY KEY, ref uuid NULL);
CREATE TABLE t_notnull (id int PRIMARY KEY, a text NOT NULL, u uuid NOT NULL);
CREATE TABLE t_dates (id int PRIMARY KEY, d timestamp NULL, dn date NOT NULL);
CREATE TABLE t_bool (id int PRIMARY KEY, flag boolean NOT NULL);
CREATE TABLE t_len (id int PRIMARY KEY, title varchar(5) NOT NULL);
CREATE TABLE t_text (id int PRIMARY KEY, body text, raw text, wide text, l1 text);
CREATE TABLE t_json (id int PRIMARY KEY, doc json, docb jsonb);
CREATE TABLE t_range (id int PRIMARY KEY, big bigint NOT NULL, small integer NOT NULL);
CREATE TABLE t_enum (id int PRIMARY KEY, status status_t NOT NULL, status2 status_t);
CREATE TABLE t_parent (id int PRIMARY KEY);
CREATE TABLE t_child (id int PRIMARY KEY, parent_id int REFERENCES t_parent (id));
CREATE TABLE t_time (id int PRIMARY KEY, t time NOT NULL);
CREATE TABLE t_num (id int PRIMARY KEY, amount numeric(6,2), ratio numeric(4,1), i numeric(5,0));
CREATE TABLE t_frac (id int PRIMARY KEY, ts timestamp(0) NOT NULL);
`;

describe('check on planted dirty data', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(MYSQL_SETUP);
    // JSON with backslashes travels as parameters: no escaping to get wrong.
    await db.query('INSERT INTO t_json VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)', [
      1,
      '{"a":1}',
      '{"a":"x\\u0000"}',
      2,
      '{bad',
      '{"a":"\\\\u0000"}',
      3,
      null,
      '[1]',
    ]);
  });
  const pgdb = usePgDatabase(async (db) => {
    await db.query(PG_SETUP);
  });
  let report: CheckReport;

  beforeAll(async () => {
    const source = await introspectMysql(my.conn);
    const target = await introspectPg(pgdb.client);
    const plan = planMigration(source, target);
    report = await checkMigration({ mysql: my.conn, plan, source, target, sampleSize: 5 });
  });

  const find = (code: string, table: string, column: string | null): Finding => {
    const hits = report.findings.filter((f) => f.code === code && f.table === table && f.column === column);
    expect(hits, `${code} on ${table}.${column}`).toHaveLength(1);
    return hits[0]!;
  };
  const keys = (f: Finding) => f.samples.map((s) => s.key['id']);

  it('finds non-UUIDs bound for uuid (empty string is NULL, not an error)', () => {
    const f = find('not-a-uuid', 't_uuid', 'ref');
    expect(f).toMatchObject({ severity: 'error', count: 2 });
    expect(f.samples).toEqual([
      { key: { id: '2' }, value: 'not-a-uuid' },
      { key: { id: '5' }, value: 'XYZ' },
    ]);
    expect(f.fix).toMatch(/^UPDATE `[^`]+`\.`t_uuid` SET `ref` = NULL WHERE/);
  });

  it("finds NULLs (and uuid-bound '') bound for NOT NULL", () => {
    const a = find('null-into-not-null', 't_notnull', 'a');
    expect(a).toMatchObject({ severity: 'error', count: 1 });
    expect(keys(a)).toEqual(['2']);
    const u = find('null-into-not-null', 't_notnull', 'u');
    expect(u.count).toBe(2);
    expect(keys(u)).toEqual(['3', '4']);
  });

  it('finds zero and partial-zero dates: a warning when nullable, an error when NOT NULL', () => {
    const d = find('zero-date', 't_dates', 'd');
    expect(d).toMatchObject({ severity: 'warning', count: 2 });
    expect(d.samples).toEqual([
      { key: { id: '2' }, value: '0000-00-00 00:00:00' },
      { key: { id: '3' }, value: '2021-00-10 00:00:00' },
    ]);
    const dn = find('zero-date', 't_dates', 'dn');
    expect(dn).toMatchObject({ severity: 'error', count: 2 });
    expect(keys(dn)).toEqual(['2', '3']);
  });

  it('finds values other than 0/1 bound for boolean', () => {
    const f = find('not-a-boolean', 't_bool', 'flag');
    expect(f.count).toBe(2);
    expect(f.samples).toEqual([
      { key: { id: '3' }, value: '2' },
      { key: { id: '4' }, value: '-1' },
    ]);
    expect(f.fix).toContain('{"kind":"sql","expression":"({{value}} <> 0)"}');
  });

  it('finds strings longer than the target length, counted in characters', () => {
    const f = find('too-long', 't_len', 'title');
    expect(f.count).toBe(2);
    expect(keys(f)).toEqual(['2', '3']);
    expect(f.message).toContain('longest 7');
    expect(f.fix).toContain('TYPE varchar(7)');
    expect(find('length-shrink', 't_len', 'title').severity).toBe('warning');
  });

  it('finds 0x00 bytes whatever the column charset, and invalid UTF-8 from binary columns', () => {
    for (const column of ['raw', 'wide', 'l1']) {
      const f = find('nul-byte', 't_text', column);
      expect(f.count, column).toBe(1);
      expect(keys(f), column).toEqual(['3']);
    }
    const body = find('nul-byte', 't_text', 'body');
    expect(body.count).toBe(2);
    expect(body.samples.map((x) => x.value)).toEqual([
      '0x610062',
      // The sample is the bytes around the first NUL, even 1000 characters into the value.
      `0x${'78'.repeat(16)}0079`,
    ]);
    // A ucs2 column is shown (and searched) as its characters in UTF-8, not as its two-byte units.
    expect(find('nul-byte', 't_text', 'wide').samples[0]!.value).toBe('0x610062');
    const bad = find('invalid-utf8', 't_text', 'raw');
    expect(bad.count).toBe(1);
    expect(bad.samples).toEqual([{ key: { id: '2' }, value: '0x61ff62' }]);
  });

  it('finds invalid JSON and \\u0000 bound for jsonb (an escaped backslash before u0000 is fine)', () => {
    const f = find('invalid-json', 't_json', 'doc');
    expect(f.count).toBe(1);
    expect(f.samples).toEqual([{ key: { id: '2' }, value: '{bad' }]);
    const nul = find('jsonb-nul', 't_json', 'docb');
    expect(nul.count).toBe(1);
    expect(keys(nul)).toEqual(['1']);
    expect(report.findings.some((x) => x.code === 'jsonb-nul' && x.column === 'doc')).toBe(false);
  });

  it('finds unsigned values above the target range', () => {
    const big = find('out-of-range', 't_range', 'big');
    expect(big.count).toBe(2);
    expect(big.samples).toEqual([
      { key: { id: '2' }, value: '9223372036854775808' },
      { key: { id: '3' }, value: '18446744073709551615' },
    ]);
    const small = find('out-of-range', 't_range', 'small');
    expect(small.count).toBe(1);
    expect(keys(small)).toEqual(['2']);
    expect(find('unsigned-overflow-risk', 't_range', 'big').severity).toBe('warning');
  });

  it('finds labels unknown to the target enum, case-sensitively', () => {
    const status = find('unknown-enum-label', 't_enum', 'status');
    expect(status.count).toBe(1);
    expect(status.samples).toEqual([{ key: { id: '2' }, value: 'Legacy' }]);
    const status2 = find('unknown-enum-label', 't_enum', 'status2');
    expect(status2.count).toBe(2);
    expect(status2.samples.map((s) => s.value)).toEqual(['ACTIVE', 'gone']);
    expect(find('enum-labels-missing', 't_enum', 'status').fix).toBe(
      `ALTER TYPE "status_t" ADD VALUE 'Legacy';`,
    );
  });

  it('finds orphaned rows of a target foreign key', () => {
    const f = find('orphan-rows', 't_child', 'parent_id');
    expect(f.count).toBe(2);
    expect(f.samples).toEqual([
      { key: { id: '2' }, value: '3' },
      { key: { id: '4' }, value: '9' },
    ]);
    expect(f.fix).toMatch(/^UPDATE .* SET c\.`parent_id` = NULL WHERE/);
  });

  it('finds times outside 00:00..24:00 bound for time', () => {
    const f = find('time-out-of-range', 't_time', 't');
    expect(f.count).toBe(2);
    expect(f.samples).toEqual([
      { key: { id: '2' }, value: '25:00:00' },
      { key: { id: '3' }, value: '-01:00:00' },
    ]);
  });

  it('finds numbers that overflow numeric(p,s) and warns about rounded decimals and fractions', () => {
    const amount = find('out-of-range', 't_num', 'amount');
    expect(amount.count).toBe(1);
    expect(amount.samples).toEqual([{ key: { id: '2' }, value: '12345.0000' }]);
    expect(find('numeric-rounded', 't_num', 'amount')).toMatchObject({ severity: 'warning', count: 1 });
    expect(keys(find('numeric-rounded', 't_num', 'amount'))).toEqual(['3']);
    expect(keys(find('out-of-range', 't_num', 'ratio'))).toEqual(['3']);
    expect(keys(find('numeric-rounded', 't_num', 'ratio'))).toEqual(['2']);
    const i = find('out-of-range', 't_num', 'i');
    expect(i.count).toBe(1);
    expect(keys(i)).toEqual(['2']);
    const frac = find('fraction-rounded', 't_frac', 'ts');
    expect(frac).toMatchObject({ severity: 'warning', count: 1 });
    expect(frac.samples).toEqual([{ key: { id: '2' }, value: '2020-01-01 00:00:00.500000' }]);
  });

  it('fails the check with exit code 3, a stable JSON shape and a readable report', () => {
    expect(report.ok).toBe(false);
    expect(checkExitCode(report)).toBe(3);
    expect(CheckReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
    expect(report.findings[0]!.severity).toBe('error');
    const text = formatCheckReport(report);
    expect(text).not.toContain('\u001b[');
    expect(text).toMatch(/check failed: \d+ errors/);
    expect(text).toContain('sample  id=2 → "not-a-uuid"');
    const coloured = formatCheckReport(report, { color: true });
    expect(coloured).toContain('\u001b[');
  });

  it('scans tables side by side (jobs 3, from the URL) with the same findings, and reports each table done', async () => {
    const source = await introspectMysql(my.conn);
    const target = await introspectPg(pgdb.client);
    const plan = planMigration(source, target);
    const started: string[] = [];
    const done: string[] = [];
    let active = 0;
    let most = 0;
    const parallel = await checkMigration({
      mysql: my.url,
      plan,
      source,
      target,
      sampleSize: 5,
      jobs: 3,
      onTable: (t) => {
        started.push(t);
        most = Math.max(most, ++active);
      },
      onTableDone: (t) => {
        done.push(t);
        active--;
      },
    });
    expect(parallel).toEqual(report);
    expect([...done].sort()).toEqual([...started].sort());
    expect(new Set(started).size).toBe(started.length);
    expect(most).toBeGreaterThan(1);
  });
});
