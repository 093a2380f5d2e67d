// One round trip per fixture: migrate (with --keep-csv) against export + import of the same plan.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationPlan } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';
import { type ImportResult, importDirectory, validateExportDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import {
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MigrateResult, migrate } from '../src/index.js';
import { catalogState, compareDatabases } from './compare.js';

/** What the fixture holds: tables loaded, and files in an export directory (skipped tables too). */
export interface FixtureCounts {
  loaded: number;
  exported: number;
}

export function migrateEqualsImport(app: 'alkemio' | 'kratos', expected: FixtureCounts): void {
  const fixtures = fixtureSet(app);
  describe.skipIf(!fixtures.present)(`${app} fixture: migrate equals export + import`, () => {
    const my = useMysqlDatabase((db) => loadFixtureSource(db, fixtures));
    const viaImport = usePgDatabase((db) => loadFixtureTarget(db, fixtures));
    const viaMigrate = usePgDatabase((db) => loadFixtureTarget(db, fixtures));
    const out = mkdtempSync(join(tmpdir(), `conv-migrate-${app}-`));
    afterAll(() => rmSync(out, { recursive: true, force: true }));
    let plan: MigrationPlan;
    let imported: ImportResult;
    let migrated: MigrateResult;
    let exportSha: Map<string, string>;

    beforeAll(async () => {
      plan = planMigration(await introspectMysql(my.url), await introspectPg(viaImport.client));
      const exported = await exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 'exported' });
      exportSha = new Map(exported.manifest.tables.map((t) => [t.table, t.sha256]));
      imported = await importDirectory({ pgUrl: viaImport.url, dir: exported.dir });
      migrated = await migrate({
        mysqlUrl: my.url,
        pgUrl: viaMigrate.url,
        plan,
        outDir: out,
        app: 'migrated',
        jobs: 2,
        keepCsv: true,
      });
    });

    it('loads, skips and resets the same as import', () => {
      const byTable = (r: ImportResult) => r.loaded.map((t) => [t.table, t.rows]).sort();
      expect(byTable(migrated)).toEqual(byTable(imported));
      expect(migrated.loaded).toHaveLength(expected.loaded);
      expect(migrated.skipped).toEqual(imported.skipped);
      expect(migrated.sequences).toEqual(imported.sequences);
      expect(migrated.strategy).toBe(imported.strategy);
      expect(migrated.checkedForeignKeys).toBe(imported.checkedForeignKeys);
      expect(migrated.truncated.sort()).toEqual(imported.truncated.sort());
    });

    it('every row of every table equals the imported one, value for value; same indexes and sequences', async () => {
      const tables = imported.loaded.map((t) => t.table);
      expect(await compareDatabases(viaImport, viaMigrate, tables)).toEqual([]);
      expect(await catalogState(viaMigrate)).toEqual(await catalogState(viaImport));
      // Secondary indexes were dropped before the COPY and rebuilt after it, identical.
      expect(migrated.deferredIndexes.length).toBeGreaterThan(0);
      expect(imported.deferredIndexes.map((d) => d.table).sort()).toEqual(
        migrated.deferredIndexes.map((d) => d.table).sort(),
      );
    });

    it('--keep-csv writes a complete export directory with the very bytes of the exporter', async () => {
      expect(migrated.manifest).not.toBeNull();
      const manifest = await validateExportDirectory(migrated.dir);
      expect(manifest.tables).toHaveLength(expected.exported);
      for (const t of manifest.tables) expect([t.table, t.sha256]).toEqual([t.table, exportSha.get(t.table)]);
    });

    it('records the snapshot it read (the position a binlog catch-up starts from)', () => {
      expect(migrated.snapshot.consistent).toBe(true);
      // Two connections under a brief global read lock, or one when the lock is refused (busy shared server).
      const refused = migrated.notes.some((n) => n.includes('global read lock refused'));
      expect(migrated.snapshot.connections).toBe(refused ? 1 : 2);
      expect(migrated.source.dialect).toBe('mariadb');
    });
  });
}
