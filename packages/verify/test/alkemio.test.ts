// Must show: after a clean Alkemio fixture round trip (export → import), verify reports every table equal;
// after one value of one row is changed in PostgreSQL (a character in a text, a microsecond in a
// timestamp, a byte in a bytea), it reports exactly that table, that row's key and that column.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationPlan } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';
import { importDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import {
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVerifyReport, verifyExitCode, verifyMigration } from '../src/index.js';

const fixtures = fixtureSet('alkemio');

const MEMO_ID = '6d1c7f3e-2b7a-4c1e-9f00-0123456789ab';

describe.skipIf(!fixtures.present)('Alkemio fixture: export → import → verify', () => {
  const my = useMysqlDatabase(async (db) => {
    await loadFixtureSource(db, fixtures);
    // The fixture has no memo rows: add one so that a bytea column carries bytes (every byte value).
    await db.query(
      "INSERT INTO memo (id, createdDate, updatedDate, version, nameID, content, contentUpdatePolicy) VALUES (?, '2024-05-06 07:08:09.123456', '2024-05-06 07:08:09.123456', 1, 'memo-1', ?, 'contributors')",
      [MEMO_ID, Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
    );
  });
  const pg = usePgDatabase((db) => loadFixtureTarget(db, fixtures));
  const out = mkdtempSync(join(tmpdir(), 'conv-verify-alkemio-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let plan: MigrationPlan;
  let userId: string;

  beforeAll(async () => {
    plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    const exported = await exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 'alkemio' });
    await importDirectory({ pgUrl: pg.url, dir: exported.dir });
    const [u] = await pg.query<{ id: string }>('SELECT id::text AS id FROM "user" ORDER BY "rowId" LIMIT 1');
    userId = u!.id;
  });

  const verify = () => verifyMigration({ mysqlUrl: my.url, pgUrl: pg.url, plan, chunkRows: 50 });

  it('every loaded table is equal: exact counts and content checksums', async () => {
    const report = await verify();
    const loaded = plan.tables.filter((t) => t.action === 'load');
    expect(report.tables).toHaveLength(loaded.length);
    expect(report.tables.length).toBeGreaterThanOrEqual(70);
    const bad = report.tables.filter((t) => !t.countMatch || t.checksumMatch !== true);
    expect(bad).toEqual([]);
    expect(report.totals.sourceRows).toBeGreaterThan(1000);
    expect(report.ok).toBe(true);
    expect(verifyExitCode(report)).toBe(0);
  });

  it.each([
    [
      'a character in a text',
      'user',
      'firstName',
      `UPDATE "user" SET "firstName" = chr(ascii("firstName") + 1) || substr("firstName", 2) WHERE id = $1`,
      `UPDATE "user" SET "firstName" = chr(ascii("firstName") - 1) || substr("firstName", 2) WHERE id = $1`,
    ],
    [
      'a microsecond in a timestamp',
      'user',
      'createdDate',
      `UPDATE "user" SET "createdDate" = "createdDate" + interval '1 microsecond' WHERE id = $1`,
      `UPDATE "user" SET "createdDate" = "createdDate" - interval '1 microsecond' WHERE id = $1`,
    ],
    [
      'a byte in a bytea',
      'memo',
      'content',
      `UPDATE memo SET content = set_byte(content, 100, 101) WHERE id = $1`,
      `UPDATE memo SET content = set_byte(content, 100, 100) WHERE id = $1`,
    ],
  ])('%s: exactly that table (%s), row key and column (%s)', async (_what, table, column, change, undo) => {
    const id = table === 'user' ? userId : MEMO_ID;
    await pg.query(change, [id]);
    try {
      const report = await verify();
      expect(verifyExitCode(report)).toBe(4);
      const bad = report.tables.filter((t) => !t.countMatch || t.checksumMatch !== true);
      expect(bad.map((t) => t.table)).toEqual([table]);
      expect(bad[0]!.mismatches).toEqual([{ key: { id }, columns: [column], kind: 'differs' }]);
      expect(formatVerifyReport(report)).toContain(`id=${id}: columns ${column} differ`);
    } finally {
      await pg.query(undo, [id]);
    }
    expect((await verify()).ok).toBe(true);
  });
});
