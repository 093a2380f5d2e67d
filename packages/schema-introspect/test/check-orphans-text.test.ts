// Orphans over character keys, counted as PostgreSQL will compare the loaded values: uuid ignores case,
// text does not, and neither pads spaces. Where the key's collation allows it, check finds the candidates
// through the parent's index (an anti-join); otherwise it materialises the parent keys (NOT IN): both must
// count exactly what the target's foreign key will reject, and the printed fix, run in the user's own
// client (MariaDB's subquery cache on), must touch those rows and no other.
import type { Finding } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMigration, introspectMysql, introspectPg, planMigration } from '../src/index.js';

const P1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const P2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const MISSING = 'bbbbbbbb-0000-4000-8000-000000000009';

describe('orphans over character keys', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(`
      CREATE TABLE parent_u (id char(36) COLLATE utf8mb4_general_ci PRIMARY KEY);
      CREATE TABLE child_u (id int PRIMARY KEY, pid char(36) COLLATE utf8mb4_general_ci NULL);
      CREATE TABLE parent_t (code varchar(10) COLLATE utf8mb4_general_ci PRIMARY KEY);
      CREATE TABLE child_t (id int PRIMARY KEY, pid varchar(10) COLLATE utf8mb4_general_ci NULL);
      CREATE TABLE parent_b (id char(36) COLLATE utf8mb4_bin PRIMARY KEY);
      CREATE TABLE child_b (id int PRIMARY KEY, pid char(36) COLLATE utf8mb4_bin NULL);
      CREATE TABLE child_m (id int PRIMARY KEY, pid varchar(10) COLLATE utf8mb4_unicode_ci NULL);`);
    await db.query('INSERT INTO parent_u VALUES (?), (?)', [P1, P2]);
    // Upper case is the same uuid; '' becomes NULL (no reference); one key has no parent.
    await db.query('INSERT INTO child_u VALUES (1, ?), (2, ?), (3, ?), (4, ?), (5, NULL)', [
      P1.toUpperCase(),
      P2,
      MISSING,
      '',
    ]);
    await db.query("INSERT INTO parent_t VALUES ('bob'), ('amy')");
    // MySQL's collation finds a parent for 'BOB' and 'amy '; PostgreSQL's text equality does not.
    await db.query("INSERT INTO child_t VALUES (1, 'bob'), (2, 'BOB'), (3, 'amy '), (4, 'zed'), (5, NULL)");
    await db.query('INSERT INTO parent_b VALUES (?)', [P1]);
    await db.query('INSERT INTO child_b VALUES (1, ?), (2, ?)', [P1.toUpperCase(), MISSING]);
    // Another collation than its parent's (a plain `=` between the two is error 1267).
    await db.query("INSERT INTO child_m VALUES (1, 'amy'), (2, 'AMY'), (3, 'bob '), (4, 'zed'), (5, NULL)");
  });
  const pg = usePgDatabase(async (db) => {
    await db.query(`
      CREATE TABLE parent_u (id uuid PRIMARY KEY);
      CREATE TABLE child_u (id int PRIMARY KEY, pid uuid REFERENCES parent_u (id));
      CREATE TABLE parent_t (code varchar(10) PRIMARY KEY);
      CREATE TABLE child_t (id int PRIMARY KEY, pid varchar(10) REFERENCES parent_t (code));
      CREATE TABLE parent_b (id uuid PRIMARY KEY);
      CREATE TABLE child_b (id int PRIMARY KEY, pid uuid REFERENCES parent_b (id));
      CREATE TABLE child_m (id int PRIMARY KEY, pid varchar(10) REFERENCES parent_t (code));`);
  });
  let orphans: Finding[];

  beforeAll(async () => {
    const source = await introspectMysql(my.conn);
    const target = await introspectPg(pg.client);
    const plan = planMigration(source, target);
    const report = await checkMigration({ mysql: my.url, plan, source, target, jobs: 2 });
    orphans = report.findings.filter((f) => f.code === 'orphan-rows');
  });
  const of = (table: string) => orphans.find((f) => f.table === table);

  it('uuid keys in a case-insensitive collation: the index probe, case ignored as uuid does', () => {
    expect(of('child_u')?.count).toBe(1);
    expect(of('child_u')?.samples.map((s) => s.key['id'])).toEqual(['3']);
    expect(of('child_u')?.fix).toContain('LEFT JOIN');
  });

  it('text keys: the index probe, but case and trailing spaces count as PostgreSQL compares them', () => {
    expect(of('child_t')?.count).toBe(3);
    expect(of('child_t')?.samples.map((s) => s.key['id'])).toEqual(['2', '3', '4']);
    expect(of('child_t')?.fix).toContain('LEFT JOIN');
  });

  it('uuid keys in a binary collation: the materialised key set (the index would miss the other case)', () => {
    expect(of('child_b')?.count).toBe(1);
    expect(of('child_b')?.samples.map((s) => s.key['id'])).toEqual(['2']);
    expect(of('child_b')?.fix).toContain('NOT IN');
  });

  it('text keys in two collations: the index probe through the parent collation, bytes decide', () => {
    expect(of('child_m')?.count).toBe(3);
    expect(of('child_m')?.samples.map((s) => s.key['id'])).toEqual(['2', '3', '4']);
    expect(of('child_m')?.fix).toContain('LEFT JOIN');
    expect(of('child_m')?.fix).toContain('COLLATE utf8mb4_general_ci');
  });

  it("each printed fix, run in a plain client session (subquery cache on), clears exactly the orphans' keys", async () => {
    // A session as the user's own client opens it: none of conv's session settings.
    const user = await mysql.createConnection({ uri: my.url });
    try {
      const [[sw]] = (await user.query('SELECT @@optimizer_switch AS s')) as unknown as [[{ s: string }]];
      expect(sw.s).toContain('subquery_cache=on');
      for (const table of ['child_u', 'child_t', 'child_b', 'child_m']) {
        const finding = of(table)!;
        await user.query(finding.fix!);
        const [rows] = (await user.query(
          `SELECT id FROM ${table} WHERE pid IS NULL ORDER BY id`,
        )) as unknown as [{ id: number }[]];
        // Cleared: the orphans, and the rows that had no reference already (NULL; '' stays '').
        const before = { child_u: [5], child_t: [5], child_b: [] as number[], child_m: [5] }[table]!;
        const orphans = finding.samples.map((s) => Number(s.key['id']));
        expect(rows.map((r) => r.id)).toEqual([...before, ...orphans].sort((a, b) => a - b));
      }
    } finally {
      await user.end();
    }
  });
});
