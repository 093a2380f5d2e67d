// A row with no partition of its partitioned target is refused by PostgreSQL ("no partition of relation …
// found for row") and fails the load: check counts such rows on the source where the key and the bounds
// compare alike (single-column RANGE/LIST over integers and dates, LIST over text by its bytes), knows a
// DEFAULT partition or a full set of hash remainders covers everything, and warns where it cannot tell.
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckReport,
  checkMigration,
  introspectMysql,
  introspectPg,
  planMigration,
} from '../src/index.js';

describe('check: rows without a partition', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query("SET SESSION sql_mode = ''");
    await db.query(`
      CREATE TABLE measure (id int PRIMARY KEY, v varchar(10));
      INSERT INTO measure VALUES (1, 'a'), (150, 'b'), (500, 'c'), (-3, 'd');
      CREATE TABLE region (id int PRIMARY KEY, code varchar(10) NULL);
      INSERT INTO region VALUES (1, 'eu'), (2, 'EU'), (3, 'us'), (4, NULL), (5, 'asia');
      CREATE TABLE event (id int PRIMARY KEY, at date NULL);
      INSERT INTO event VALUES (1, '2019-05-05'), (2, '2020-06-01'), (3, '2022-01-01'), (4, '0000-00-00');
      CREATE TABLE spread (id int PRIMARY KEY);
      INSERT INTO spread VALUES (1), (2), (3);
      CREATE TABLE fallback (id int PRIMARY KEY);
      INSERT INTO fallback VALUES (1), (999);
      CREATE TABLE doubled (id int PRIMARY KEY);
      INSERT INTO doubled VALUES (1);
      CREATE TABLE forever (id int PRIMARY KEY, at date NOT NULL);
      INSERT INTO forever VALUES (1, '2019-05-05'), (2, '2024-06-01');
      CREATE TABLE fixed (id int PRIMARY KEY, code char(3) NOT NULL);
      INSERT INTO fixed VALUES (1, 'a'), (2, 'b');
      CREATE TABLE nested (id int PRIMARY KEY);
      INSERT INTO nested VALUES (5), (50);
      CREATE TABLE rounded (id int PRIMARY KEY, at datetime(3) NOT NULL);
      INSERT INTO rounded VALUES (1, '2024-01-31 23:59:59.700');`);
  });
  const pg = usePgDatabase(async (db) => {
    await db.query(`
      CREATE TABLE measure (id int, v text) PARTITION BY RANGE (id);
      CREATE TABLE measure_low PARTITION OF measure FOR VALUES FROM (0) TO (100);
      CREATE TABLE measure_mid PARTITION OF measure FOR VALUES FROM (100) TO (200);
      CREATE TABLE region (id int, code text) PARTITION BY LIST (code);
      CREATE TABLE region_eu PARTITION OF region FOR VALUES IN ('eu');
      CREATE TABLE region_us PARTITION OF region FOR VALUES IN ('us', NULL);
      CREATE TABLE event (id int, at date) PARTITION BY RANGE (at);
      CREATE TABLE event_old PARTITION OF event FOR VALUES FROM (MINVALUE) TO ('2020-01-01');
      CREATE TABLE event_2020 PARTITION OF event FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
      CREATE TABLE spread (id int) PARTITION BY HASH (id);
      CREATE TABLE spread_0 PARTITION OF spread FOR VALUES WITH (modulus 2, remainder 0);
      CREATE TABLE spread_1 PARTITION OF spread FOR VALUES WITH (modulus 2, remainder 1);
      CREATE TABLE fallback (id int) PARTITION BY RANGE (id);
      CREATE TABLE fallback_low PARTITION OF fallback FOR VALUES FROM (0) TO (10);
      CREATE TABLE fallback_rest PARTITION OF fallback DEFAULT;
      CREATE TABLE doubled (id int) PARTITION BY RANGE ((id * 2));
      CREATE TABLE doubled_all PARTITION OF doubled FOR VALUES FROM (0) TO (10);
      CREATE TABLE forever (id int, at date NOT NULL) PARTITION BY RANGE (at);
      CREATE TABLE forever_all PARTITION OF forever FOR VALUES FROM ('-infinity') TO ('infinity');
      CREATE TABLE fixed (id int, code char(3) NOT NULL) PARTITION BY LIST (code);
      CREATE TABLE fixed_a PARTITION OF fixed FOR VALUES IN ('a');
      CREATE TABLE nested (id int) PARTITION BY RANGE (id);
      CREATE TABLE nested_low PARTITION OF nested FOR VALUES FROM (0) TO (10);
      CREATE TABLE nested_rest PARTITION OF nested DEFAULT PARTITION BY RANGE (id);
      CREATE TABLE rounded (id int, at timestamp(0) NOT NULL) PARTITION BY RANGE (at);
      CREATE TABLE rounded_jan PARTITION OF rounded FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');`);
    // Bounds print their dates in the session's DateStyle: a day-first one must not fool check.
    await db.query(`ALTER DATABASE "${db.name}" SET DateStyle = 'SQL, DMY'`);
  });
  let report: CheckReport;
  beforeAll(async () => {
    const source = await introspectMysql(my.url);
    const target = await introspectPg(pg.url);
    report = await checkMigration({ mysql: my.url, plan: planMigration(source, target), source, target });
  });
  const of = (table: string) =>
    report.findings.filter((f) => f.table === table && f.code !== 'partitioned-target');

  it('what the checker counts is what PostgreSQL refuses', async () => {
    // The ground truth, for the integer range: 500 and -3 have no partition.
    for (const id of [500, -3]) {
      const err = await pg.query('INSERT INTO measure VALUES ($1, $2)', [id, 'x']).catch((e: unknown) => e);
      expect(String(err)).toMatch(/no partition of relation "measure" found for row/);
    }
    expect(report.ok).toBe(false);
    expect(of('measure').map((f) => [f.code, f.severity, f.count])).toEqual([['no-partition', 'error', 2]]);
    expect(of('measure')[0]?.samples.map((s) => s.key['id'])).toEqual(['-3', '500']);
    expect(of('measure')[0]?.fix).toContain('PARTITION OF "public"."measure" DEFAULT');
  });

  it('LIST over text compares bytes as PostgreSQL does; NULL goes where a list holds NULL', () => {
    expect(of('region').map((f) => f.count)).toEqual([2]);
    expect(of('region')[0]?.samples.map((s) => s.key['id'])).toEqual(['2', '5']);
  });

  it('RANGE over dates: a zero date is NULL in PostgreSQL, which no range takes', () => {
    const event = of('event').filter((f) => f.code !== 'zero-date');
    expect(event.map((f) => f.count)).toEqual([2]);
    expect(event[0]?.samples.map((s) => s.key['id'])).toEqual(['3', '4']);
  });

  it('infinite bounds are open ends; char(n) lists ignore the padding PostgreSQL prints', () => {
    expect(of('forever')).toEqual([]);
    expect(of('fixed').map((f) => [f.count, f.samples.map((s) => s.key['id'])])).toEqual([[1, ['2']]]);
  });

  it('where the key is rounded or routed further down, check says it cannot tell (not "covered")', () => {
    expect(of('nested').map((f) => f.code)).toEqual(['partition-coverage-unknown']);
    expect(
      of('rounded')
        .filter((f) => f.code !== 'fraction-rounded')
        .map((f) => f.code),
    ).toEqual(['partition-coverage-unknown']);
  });

  it('a DEFAULT partition or every hash remainder covers all rows; an expression key is a warning', () => {
    expect(of('fallback')).toEqual([]);
    expect(of('spread')).toEqual([]);
    expect(of('doubled').map((f) => [f.code, f.severity])).toEqual([
      ['partition-coverage-unknown', 'warning'],
    ]);
    expect(of('doubled')[0]?.message).toContain('is not one plain column');
  });
});
