// Must show: the Alkemio fixture (schema + legacy tables + data) exports to 79 CSV files whose row counts
// equal COUNT(*) in MySQL, with a manifest that validates and describes every file exactly.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, ManifestSchema, type MigrationPlan, quoteMysqlIdent } from '@conv/core';
import { readCsv } from '@conv/csv-codec';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import {
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ExportResult, exportDatabase } from '../src/index.js';
import { copyIntoPg, tempDir } from './helpers.js';

const fixtures = fixtureSet('alkemio');

describe.skipIf(!fixtures.present)('Alkemio fixture export', () => {
  const my = useMysqlDatabase((db) => loadFixtureSource(db, fixtures));
  const pg = usePgDatabase((db) => loadFixtureTarget(db, fixtures));
  let plan: MigrationPlan;
  let result: ExportResult;
  const lines: string[] = [];

  beforeAll(async () => {
    plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    result = await exportDatabase({
      mysqlUrl: my.url,
      plan,
      outDir: tempDir(),
      app: 'alkemio',
      jobs: 2,
      now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
      progress: {
        start: (t) => lines.push(`start ${t}`),
        update() {},
        finish: (t, rows) => lines.push(`finish ${t} ${rows}`),
        log: (l) => lines.push(l),
        close() {},
      },
    });
  });

  it('writes <out>/alkemio/<YYYYmmdd_HHMMSS>/ with 79 CSV files and a manifest', () => {
    expect(result.dir).toMatch(/alkemio[/\\]20260102_030405$/);
    const files = readdirSync(result.dir).sort();
    expect(files.filter((f) => f.endsWith('.csv'))).toHaveLength(79);
    expect(files).toContain(MANIFEST_FILE);
    expect(files.filter((f) => !f.endsWith('.csv') && f !== MANIFEST_FILE)).toEqual([]);
    expect(files).toContain('challenge.csv'); // legacy, export-only
    expect(files).toContain('migrations_typeorm.csv'); // history, export-only
  });

  it('the manifest on disk validates; per table rows equal COUNT(*) in MySQL; bytes and sha256 match', async () => {
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(result.dir, MANIFEST_FILE), 'utf8')));
    expect(manifest.tables).toHaveLength(79);
    expect(manifest.source.dialect).toBe('mariadb');
    expect(manifest.source.server).toBe('127.0.0.1:3306');
    expect(manifest.source.snapshot).toMatchObject({ consistent: true, connections: 2 });
    expect(JSON.stringify(manifest)).not.toMatch(/password/i);
    let nonEmpty = 0;
    for (const t of manifest.tables) {
      const [r] = await my.conn.query({
        sql: `SELECT COUNT(*) FROM ${quoteMysqlIdent(t.table)}`,
        rowsAsArray: true,
      });
      expect(t.rows, t.table).toBe(Number((r as unknown[][])[0]![0]));
      const bytes = readFileSync(join(result.dir, t.file));
      expect(bytes.length, t.table).toBe(t.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), t.table).toBe(t.sha256);
      if (t.rows > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(30);
    expect(manifest.totals.rows).toBe(manifest.tables.reduce((s, t) => s + t.rows, 0));
    expect(manifest.totals.rows).toBeGreaterThan(1000);
  });

  it('every file parses: header = manifest columns, one record per row, same width everywhere', async () => {
    for (const t of result.manifest.tables) {
      let records = 0;
      for await (const rec of readCsv(join(result.dir, t.file))) {
        if (records === 0) expect(rec).toEqual(t.columns);
        else expect(rec.length, `${t.file} record ${records + 1}`).toBe(t.columns.length);
        records++;
      }
      expect(records, t.file).toBe(t.rows + 1);
    }
  });

  it('load tables COPY into the Alkemio PostgreSQL schema (FK checks off, as the loader does)', async () => {
    await pg.query('SET session_replication_role = replica');
    for (const t of plan.tables.filter((x) => x.action === 'load')) {
      await copyIntoPg(pg, result.dir, result.manifest, t.source);
    }
    for (const t of plan.tables.filter((x) => x.action === 'load')) {
      const [row] = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM "${t.target}"`);
      expect(Number(row!.n), t.target).toBe(result.manifest.tables.find((m) => m.table === t.source)!.rows);
    }
  });

  it('reports per-table progress', () => {
    expect(lines.filter((l) => l.startsWith('start '))).toHaveLength(79);
    expect(lines).toContain(
      `finish challenge ${result.manifest.tables.find((t) => t.table === 'challenge')!.rows}`,
    );
  });
});
