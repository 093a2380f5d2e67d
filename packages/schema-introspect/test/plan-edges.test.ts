import { ExitCode } from '@conv/core';
import { testServers, useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { introspectMysql, introspectPg, planMigration } from '../src/index.js';

const MARIADB = testServers().mysql.flavor === 'mariadb';

const MYSQL_SETUP = `
CREATE TABLE gen (id int PRIMARY KEY, a int NOT NULL, b int AS (a * 2) VIRTUAL, c int AS (a + 1) STORED,
  Name varchar(10) NULL, flag bit(1) NULL, f float NULL, s set('x','y') NULL, tm time NULL, bin binary(16) NULL,
  u ${MARIADB ? 'uuid' : 'char(36)'} NULL, yr year NULL, dropped_later int NULL);
CREATE TABLE nokey (a int NULL, b int NULL, UNIQUE KEY nk (a));
CREATE TABLE cyc_a (id int PRIMARY KEY, b_id int NULL);
CREATE TABLE cyc_b (id int PRIMARY KEY, a_id int NULL);
CREATE TABLE amb (id int PRIMARY KEY, name varchar(10) NULL);
CREATE TABLE bad (id int PRIMARY KEY, d datetime NULL, p varchar(10) NULL);
CREATE TABLE gone (id int PRIMARY KEY);
CREATE TABLE secret (id int PRIMARY KEY);
CREATE TABLE Mixed (id int PRIMARY KEY);
CREATE TABLE dup (id int PRIMARY KEY);
CREATE TABLE DUP (id int PRIMARY KEY);
`;

// MariaDB only: system-versioned tables (the harness may run MySQL 8 through testcontainers).
const MARIADB_SETUP = `
CREATE TABLE sv (id int PRIMARY KEY, v int NULL, s TIMESTAMP(6) GENERATED ALWAYS AS ROW START,
  e TIMESTAMP(6) GENERATED ALWAYS AS ROW END, PERIOD FOR SYSTEM_TIME(s, e)) WITH SYSTEM VERSIONING;
`;

const PG_SETUP = `
CREATE TABLE gen (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a int NOT NULL, b int, c int GENERATED ALWAYS AS (a + 1) STORED,
  name varchar(10), flag boolean, f real, s text[], tm interval, bin uuid, u uuid, yr int, added text NOT NULL DEFAULT '');
CREATE TABLE nokey (a int, b int);
CREATE TABLE cyc_a (id int PRIMARY KEY, b_id int);
CREATE TABLE cyc_b (id int PRIMARY KEY, a_id int REFERENCES cyc_a (id));
ALTER TABLE cyc_a ADD FOREIGN KEY (b_id) REFERENCES cyc_b (id);
CREATE TABLE amb (id int PRIMARY KEY, "Name" text, "NAME" text);
CREATE TABLE bad (id int PRIMARY KEY, d boolean, p text, required text NOT NULL);
CREATE TABLE secret (id int PRIMARY KEY);
CREATE TABLE only_pg (id int PRIMARY KEY);
CREATE TABLE mixed (id int PRIMARY KEY);
CREATE TABLE "Dup" (id int PRIMARY KEY);
CREATE TABLE sv (id int PRIMARY KEY, v int);
`;

describe('plan edge cases on real catalogs', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(MYSQL_SETUP);
    if (MARIADB) await db.query(MARIADB_SETUP);
  });
  const pgdb = usePgDatabase(async (db) => {
    await db.query(PG_SETUP);
  });

  it('leaves generated columns out, matches names ignoring case, picks conversions by target', async () => {
    const source = await introspectMysql(my.conn);
    const target = await introspectPg(pgdb.client);
    const gen = source.tables.find((t) => t.name === 'gen')!;
    expect(gen.columns.filter((c) => c.generated).map((c) => c.name)).toEqual(['b', 'c']);
    expect(gen.columns.find((c) => c.name === 'b')!.generationExpression).toMatch(/a/);
    expect(gen.columns.find((c) => c.name === 's')!.enumValues).toEqual(['x', 'y']);

    const plan = planMigration(source, target);
    const t = plan.tables.find((p) => p.source === 'gen')!;
    expect(t.omitted).toContainEqual(
      expect.objectContaining({ column: 'b', side: 'source', reason: 'generated' }),
    );
    expect(t.omitted).toContainEqual(
      expect.objectContaining({ column: 'c', side: 'source', reason: 'generated' }),
    );
    const conv = Object.fromEntries(t.columns.map((c) => [c.source, c.conversion]));
    expect(conv).toEqual({
      id: 'integer',
      a: 'integer',
      Name: 'text',
      flag: 'boolean',
      f: 'float',
      s: 'set-array',
      tm: 'interval',
      bin: 'uuid',
      u: 'uuid',
      yr: 'year',
    });
    expect(t.columns.find((c) => c.source === 'Name')).toMatchObject({
      target: 'name',
      match: 'case-insensitive',
    });
    // A source column without a target column is reported; a target column with a default is filled there.
    expect(plan.issues).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        code: 'column-missing-in-target',
        table: 'gen',
        column: 'dropped_later',
      }),
    );
    expect(plan.issues).toContainEqual(
      expect.objectContaining({ severity: 'info', code: 'column-missing-in-source', column: 'added' }),
    );
    // PostgreSQL 15 COPY accepts explicit values for GENERATED ALWAYS identity (INSERT would not): noted, not an error.
    expect(plan.issues).toContainEqual(
      expect.objectContaining({ severity: 'info', code: 'identity-always', column: 'id' }),
    );
    expect(target.tables.find((x) => x.name === 'gen')!.columns[0]).toMatchObject({ identity: 'always' });
  });

  it('reports ambiguity, impossible pairs, unfilled NOT NULL targets, missing keys and FK cycles', async () => {
    const source = await introspectMysql(my.conn);
    const target = await introspectPg(pgdb.client);
    const plan = planMigration(source, target);
    const amb = plan.tables.find((p) => p.source === 'amb')!;
    expect(amb.omitted).toContainEqual(expect.objectContaining({ column: 'name', reason: 'ambiguous' }));
    expect(amb.columns.map((c) => c.source)).toEqual(['id']);
    expect(plan.issues).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'ambiguous-column', table: 'amb', column: 'name' }),
    );
    const noConv = plan.issues.find((i) => i.code === 'no-conversion')!;
    expect(noConv).toMatchObject({ severity: 'error', table: 'bad', column: 'd' });
    expect(noConv.message).toContain('datetime → bad.d boolean');
    expect(plan.issues).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'column-missing-in-source',
        table: 'bad',
        column: 'required',
      }),
    );
    // nokey: its unique key is nullable, so no row key at all.
    expect(plan.tables.find((p) => p.source === 'nokey')!.rowKey).toEqual([]);
    expect(plan.issues).toContainEqual(
      expect.objectContaining({ severity: 'warning', code: 'no-row-key', table: 'nokey' }),
    );
    const cycle = plan.issues.filter((i) => i.code === 'fk-cycle');
    expect(cycle).toHaveLength(1);
    expect(plan.loadOrder.filter((n) => n.startsWith('cyc_'))).toHaveLength(2);
    expect(plan.skipped).toContainEqual(
      expect.objectContaining({ table: 'only_pg', side: 'target', reason: 'missing-in-source' }),
    );
    // Table names: ignoring case when unique; two MySQL tables for one PostgreSQL table is an error.
    expect(plan.tables.find((p) => p.source === 'Mixed')).toMatchObject({ action: 'load', target: 'mixed' });
    for (const name of ['dup', 'DUP']) {
      expect(plan.tables.find((p) => p.source === name)).toMatchObject({ action: 'export-only' });
      expect(plan.issues).toContainEqual(
        expect.objectContaining({ severity: 'error', code: 'ambiguous-table', table: name }),
      );
    }
  });

  it('applies the profile: exclude, include, expected missing tables, transforms', async () => {
    const source = await introspectMysql(my.conn);
    const target = await introspectPg(pgdb.client);
    const plan = planMigration(source, target, {
      name: 'test',
      exclude: ['secret'],
      expectedMissingInTarget: ['gone'],
      transforms: {
        'bad.d': { kind: 'sql', expression: 'IF({{value}} IS NULL, 0, 1)' },
        'bad.p': { kind: 'base64' },
      },
    });
    expect(plan.profile).toBe('test');
    expect(plan.tables.some((t) => t.source === 'secret')).toBe(false);
    expect(plan.skipped).toContainEqual(
      expect.objectContaining({ table: 'secret', reason: 'excluded-by-profile' }),
    );
    expect(plan.skipped.filter((x) => x.table === 'secret')).toHaveLength(1); // not also "missing in source"
    expect(plan.issues).toContainEqual(
      expect.objectContaining({ table: 'gone', code: 'missing-in-target', severity: 'info' }),
    );
    const bad = plan.tables.find((t) => t.source === 'bad')!;
    expect(bad.columns.find((c) => c.source === 'd')).toMatchObject({
      conversion: 'boolean',
      transform: { kind: 'sql', expression: 'IF({{value}} IS NULL, 0, 1)' },
    });
    expect(bad.columns.find((c) => c.source === 'p')).toMatchObject({
      conversion: 'text',
      transform: { kind: 'base64' },
    });

    const only = planMigration(source, target, { include: ['gen'] });
    expect(only.tables.map((t) => t.source)).toEqual(['gen']);
    expect(only.skipped.filter((s) => s.reason === 'not-included')).toHaveLength(source.tables.length - 1);
  });

  it('refuses an unknown MySQL database or PostgreSQL schema with a usage error naming it', async () => {
    await expect(introspectMysql(my.conn, 'no_such_db_conv')).rejects.toMatchObject({
      name: 'ConvError',
      exitCode: ExitCode.usage,
      message: expect.stringContaining('no_such_db_conv'),
    });
    await expect(introspectPg(pgdb.client, 'no_such_schema')).rejects.toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringContaining('no_such_schema'),
    });
  });

  it('says which server refused the connection without printing the password', async () => {
    const err = await introspectMysql('mysql://root:s3cret-pw@127.0.0.1:1/x').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ConvError', exitCode: ExitCode.connection });
    expect(String((err as Error).message)).toContain('127.0.0.1:1');
    expect(String((err as Error).message)).not.toContain('s3cret-pw');
  });

  it.skipIf(!MARIADB)(
    'plans a MariaDB system-versioned table; its ROW START/END columns are generated',
    async () => {
      const plan = planMigration(await introspectMysql(my.conn), await introspectPg(pgdb.client));
      const sv = plan.tables.find((p) => p.source === 'sv')!;
      expect(sv.action).toBe('load');
      expect(sv.columns.map((c) => c.source)).toEqual(['id', 'v']);
      expect(sv.omitted.map((o) => o.column)).toEqual(['s', 'e']);
    },
  );
});
