// Profile transforms (base64, lookup, sql) change what the export writes: verify must compare the target
// with the transformed source values, exactly as the export computed them — not with the raw columns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationPlan } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';
import { importDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMigration } from '../src/index.js';

const AVATAR = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
const SPACE = '11111111-1111-4111-8111-111111111111';

const my = useMysqlDatabase(async (db) => {
  await db.query(`
    CREATE TABLE kinds (id char(36) PRIMARY KEY, name varchar(50) NOT NULL);
    CREATE TABLE items (id int PRIMARY KEY, avatar blob, kindId varchar(50), label varchar(20));
    INSERT INTO kinds VALUES ('${SPACE}', 'space'), ('22222222-2222-4222-8222-222222222222', 'hub');`);
  await db.query(
    `INSERT INTO items VALUES (1, ?, 'space', 'abc'), (2, NULL, '22222222-2222-4222-8222-222222222222', NULL),
                              (3, ?, 'unknown', 'x')`,
    [AVATAR, Buffer.alloc(0)],
  );
});
const pg = usePgDatabase(async (db) => {
  await db.query(`
    CREATE TABLE kinds (id uuid PRIMARY KEY, name varchar(50) NOT NULL);
    CREATE TABLE items (id int PRIMARY KEY, avatar text, "kindId" varchar(50), label varchar(20));`);
});
const out = mkdtempSync(join(tmpdir(), 'conv-verify-transforms-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('verify with profile transforms', () => {
  let plan: MigrationPlan;

  beforeAll(async () => {
    plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client), {
      transforms: {
        'items.avatar': { kind: 'base64' },
        'items.kindId': { kind: 'lookup', table: 'kinds', matchColumn: 'name', valueColumn: 'id' },
        'items.label': { kind: 'sql', expression: 'UPPER({{value}})' },
      },
    });
    const exported = await exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 't' });
    await importDirectory({ pgUrl: pg.url, dir: exported.dir });
  });

  it('the transformed values are what the target holds: equal', async () => {
    // The target really holds transformed values (so an untransformed comparison would fail).
    const [row] = await pg.query('SELECT avatar, "kindId", label FROM items WHERE id = 1');
    expect(row).toEqual({ avatar: AVATAR.toString('base64'), kindId: SPACE, label: 'ABC' });
    const report = await verifyMigration({ mysqlUrl: my.url, pgUrl: pg.url, plan });
    expect(report.tables.map((t) => [t.table, t.checksumMatch]).sort()).toEqual([
      ['items', true],
      ['kinds', true],
    ]);
  });

  it('a changed transformed value is reported on its column', async () => {
    await pg.query(`UPDATE items SET "kindId" = 'space', label = 'abc' WHERE id = 1`);
    try {
      const t = (await verifyMigration({ mysqlUrl: my.url, pgUrl: pg.url, plan, tables: ['items'] }))
        .tables[0]!;
      expect(t.mismatches).toEqual([{ key: { id: '1' }, columns: ['kindId', 'label'], kind: 'differs' }]);
    } finally {
      await pg.query(`UPDATE items SET "kindId" = $1, label = 'ABC' WHERE id = 1`, [SPACE]);
    }
  });
});
