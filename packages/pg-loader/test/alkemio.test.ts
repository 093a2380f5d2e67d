// Must show: the Alkemio fixture exported from MariaDB and imported into the Alkemio PostgreSQL schema:
// every value of every row equal to the source under the value rules; 75 tables loaded; the two legacy
// tables skipped and reported; sequences at max(rowId) + 1.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationPlan } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import {
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImportResult, importDirectory } from '../src/index.js';
import { removeDir } from './helpers.js';
import { compareTable } from './roundtrip.js';

const fixtures = fixtureSet('alkemio');

describe.skipIf(!fixtures.present)(
  'Alkemio fixture round trip: MariaDB → export → importDirectory → PostgreSQL',
  () => {
    const my = useMysqlDatabase((db) => loadFixtureSource(db, fixtures));
    const pg = usePgDatabase(async (db) => {
      await loadFixtureTarget(db, fixtures);
      // What the application's migrations would have left in its history table: must survive the import.
      await db.query(
        `INSERT INTO migrations_typeorm ("timestamp", name) VALUES (1700000000000, 'Baseline1700000000000')`,
      );
    });
    const out = mkdtempSync(join(tmpdir(), 'conv-pgl-alkemio-'));
    afterAll(() => removeDir(out));
    let plan: MigrationPlan;
    let result: ImportResult;

    beforeAll(async () => {
      plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
      const exported = await exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 'alkemio' });
      result = await importDirectory({ pgUrl: pg.url, dir: exported.dir });
    });

    it('loads 75 tables; skips the legacy challenge and opportunity (not in PostgreSQL) and leaves history/cache alone', () => {
      expect(result.loaded).toHaveLength(75);
      expect(result.skipped.filter((s) => s.reason === 'missing-in-target').map((s) => s.table)).toEqual([
        'challenge',
        'opportunity',
      ]);
      expect(
        result.skipped
          .filter((s) => s.reason !== 'missing-in-target')
          .map((s) => [s.table, s.reason])
          .sort(),
      ).toEqual([
        ['migrations_typeorm', 'migration-history'],
        ['query-result-cache', 'cache'],
      ]);
      expect(result.strategy).toBe('replica');
      expect(result.checkedForeignKeys).toBeGreaterThan(100);
    });

    it('every value of every row equals the source under the value rules', async () => {
      const diffs = [];
      let rows = 0;
      for (const table of plan.tables.filter((t) => t.action === 'load')) {
        const diff = await compareTable(my, pg, 'public', table);
        rows += diff.sourceRows;
        if (diff.sourceRows !== diff.targetRows || diff.onlyInSource.length || diff.onlyInTarget.length)
          diffs.push(diff);
      }
      expect(diffs).toEqual([]);
      expect(rows).toBeGreaterThan(1000);
    });

    it('the comparison sees a single changed value (it can fail)', async () => {
      const table = plan.tables.find((t) => t.target === 'user')!;
      await pg.query('BEGIN');
      try {
        await pg.query(
          `UPDATE "user" SET "firstName" = "firstName" || 'x' WHERE "rowId" = (SELECT min("rowId") FROM "user")`,
        );
        const diff = await compareTable(my, pg, 'public', table);
        expect(diff.onlyInSource).toHaveLength(1);
        expect(diff.onlyInTarget[0]).toContain('x"');
      } finally {
        await pg.query('ROLLBACK');
      }
    });

    it('the history table of the target is untouched', async () => {
      expect(await pg.query('SELECT name FROM migrations_typeorm')).toEqual([
        { name: 'Baseline1700000000000' },
      ]);
    });

    it('sequences: every rowId sequence hands out max(rowId) + 1 of the source', async () => {
      const rowIdSeqs = result.sequences.filter((s) => s.sequence.includes('_rowId_seq'));
      expect(rowIdSeqs.length).toBeGreaterThanOrEqual(6);
      for (const { sequence, value } of rowIdSeqs) {
        const table = /^public\."(.+)_rowId_seq"$/.exec(sequence)![1]!;
        const src = await my.query<{ m: string | null }[]>(`SELECT MAX(\`rowId\`) AS m FROM \`${table}\``);
        const expected = src[0]!.m === null ? '1' : String(BigInt(src[0]!.m) + 1n);
        expect(value, sequence).toBe(expected);
        const [next] = await pg.query<{ v: string }>(`SELECT nextval($1::regclass)::text AS v`, [sequence]);
        expect(next!.v, sequence).toBe(expected);
        await pg.query(`SELECT setval($1::regclass, $2, false)`, [sequence, expected]);
      }
    });
  },
);
