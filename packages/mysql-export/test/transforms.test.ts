// Profile transforms are applied in the SELECT (base64, lookup, sql), never by changing the source.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationPlan } from '@conv/core';
import { parseCsv } from '@conv/csv-codec';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDatabase, selectListFor } from '../src/index.js';
import { copyIntoPg, tempDir } from './helpers.js';

const AVATAR = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 7) % 256));

const my = useMysqlDatabase(async (db) => {
  await db.query(`
    CREATE TABLE kinds (id char(36) PRIMARY KEY, name varchar(50) NOT NULL);
    CREATE TABLE items (id int PRIMARY KEY, avatar blob, kindId varchar(50), label varchar(20), ratio float);
    INSERT INTO kinds VALUES ('11111111-1111-4111-8111-111111111111', 'space'),
                             ('22222222-2222-4222-8222-222222222222', 'hub');`);
  await db.query(
    `INSERT INTO items VALUES (1, ?, 'space', 'abc', 0.1), (2, NULL, '22222222-2222-4222-8222-222222222222', NULL, NULL),
                              (3, ?, 'unknown', 'x', 1.5e38)`,
    [AVATAR, Buffer.alloc(0)],
  );
});
const pg = usePgDatabase(async (db) => {
  await db.query(`
    CREATE TABLE kinds (id uuid PRIMARY KEY, name varchar(50) NOT NULL);
    CREATE TABLE items (id int PRIMARY KEY, avatar text, "kindId" varchar(50), label varchar(20), ratio real);`);
});

describe('transforms in the SELECT', () => {
  let plan: MigrationPlan;
  let rows: (string | null)[][];
  let dir: string;

  beforeAll(async () => {
    plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client), {
      transforms: {
        'items.avatar': { kind: 'base64' },
        'items.kindId': { kind: 'lookup', table: 'kinds', matchColumn: 'name', valueColumn: 'id' },
        'items.label': { kind: 'sql', expression: 'UPPER({{value}})' },
      },
    });
    const result = await exportDatabase({ mysqlUrl: my.url, plan, outDir: tempDir(), app: 't' });
    dir = result.dir;
    rows = parseCsv(readFileSync(join(dir, 'items.csv'), 'utf8'));
    await copyIntoPg(pg, dir, result.manifest, 'items');
  });

  it('builds the SELECT list from the plan: quoted names, FLOAT widened, transforms applied', () => {
    const items = plan.tables.find((t) => t.source === 'items')!;
    const list = selectListFor(items);
    expect(list).toContain('TO_BASE64(`src`.`avatar`)');
    expect(list).toContain('UPPER(`src`.`label`)');
    expect(list).toContain('(`src`.`ratio`) * 1e0');
    expect(list).toContain(
      'CAST(CONVERT(`lk`.`name` USING utf8mb4) AS BINARY) = CAST(CONVERT(`src`.`kindId` USING utf8mb4) AS BINARY)',
    );
  });

  it('base64: one line, exactly Buffer.toString("base64") (MySQL breaks lines every 76 chars)', () => {
    expect(rows[1]![1]).toBe(AVATAR.toString('base64'));
    expect(AVATAR.toString('base64').length).toBeGreaterThan(76);
    expect(rows[2]![1]).toBeNull();
    expect(rows[3]![1]).toBe(''); // empty blob: '' (quoted), not NULL
  });

  it('lookup: names become ids; ids and unmatched values stay', () => {
    expect(rows.slice(1).map((r) => r[2])).toEqual([
      '11111111-1111-4111-8111-111111111111',
      '22222222-2222-4222-8222-222222222222',
      'unknown',
    ]);
  });

  it('sql: the expression with {{value}} replaced', () => {
    expect(rows.slice(1).map((r) => r[3])).toEqual(['ABC', null, 'X']);
  });

  it('the source is untouched and PostgreSQL holds the transformed values', async () => {
    const [r] = await my.conn.query('SELECT kindId, label FROM items ORDER BY id');
    expect((r as { kindId: string }[]).map((x) => x.kindId)).toEqual([
      'space',
      '22222222-2222-4222-8222-222222222222',
      'unknown',
    ]);
    const got = await pg.query<{ avatar: string | null; ratio: number | null }>(
      'SELECT avatar, ratio FROM items ORDER BY id',
    );
    expect(Buffer.from(got[0]!.avatar!, 'base64')).toEqual(AVATAR);
    expect(got.map((g) => g.ratio)).toEqual([0.1, null, 1.5e38]);
  });
});
