// Builds export directories by hand (CSV + a manifest that ManifestSchema accepts), the way the
// exporter writes them, so the loader can be tested on exact bytes.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONV_VERSION,
  CSV_CONVENTION,
  hashJson,
  MANIFEST_FILE,
  type Manifest,
  ManifestSchema,
  type MigrationPlan,
  type PlannedTable,
  type SkipReason,
} from '@conv/core';
import { csvLine } from '@conv/csv-codec';

export function csvText(columns: string[], rows: (string | null)[][]): string {
  return csvLine(columns) + rows.map((r) => csvLine(r)).join('');
}

export interface TableSpec {
  table: string;
  target?: string;
  columns: string[];
  rows: (string | null)[][];
  /** Plan entry: `load` (default) or export-only with a reason. */
  skipReason?: SkipReason;
}

export function sha256File(path: string): { sha256: string; bytes: number } {
  const data = readFileSync(path);
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

function plannedTable(spec: TableSpec): PlannedTable {
  return {
    action: spec.skipReason ? 'export-only' : 'load',
    skipReason: spec.skipReason ?? null,
    source: spec.table,
    target: spec.target ?? spec.table,
    targetSchema: 'public',
    primaryKey: [],
    rowKey: [],
    columns: spec.columns.map((c) => ({
      source: c,
      target: c,
      sourceType: 'text',
      sourceDataType: 'text',
      targetType: 'text',
      targetBaseType: 'text',
      conversion: 'text',
      sourceNullable: true,
      targetNullable: true,
      targetMaxLength: null,
      targetEnumLabels: null,
      transform: null,
      match: 'exact',
    })),
    omitted: [],
    approxRows: spec.rows.length,
    approxBytes: 0,
  };
}

/** Writes `<table>.csv` files and a valid manifest into a fresh temporary directory. */
export function writeExport(specs: TableSpec[], dir = mkdtempSync(join(tmpdir(), 'conv-pgl-'))): string {
  for (const spec of specs) writeFileSync(join(dir, `${spec.table}.csv`), csvText(spec.columns, spec.rows));
  writeManifestFor(dir, specs);
  return dir;
}

/** (Re)computes the manifest from the files as they are now. */
export function writeManifestFor(dir: string, specs: TableSpec[], edit?: (m: Manifest) => void): Manifest {
  const plan: MigrationPlan = {
    planVersion: 1,
    profile: 'test',
    source: { dialect: 'mariadb', version: '10.11', database: 'src' },
    target: { version: '15', database: 'dst', schema: 'public' },
    tables: specs.map(plannedTable),
    skipped: [],
    loadOrder: specs.filter((s) => !s.skipReason).map((s) => s.target ?? s.table),
    issues: [],
  };
  const tables = specs.map((spec) => {
    const file = `${spec.table}.csv`;
    return {
      table: spec.table,
      target: spec.target ?? spec.table,
      file,
      columns: spec.columns,
      rows: spec.rows.length,
      ...sha256File(join(dir, file)),
    };
  });
  const manifest: Manifest = {
    manifestVersion: 1,
    tool: { name: 'conv', version: CONV_VERSION },
    app: 'test',
    source: {
      dialect: 'mariadb',
      version: '10.11.0',
      server: '127.0.0.1:3306',
      database: 'src',
      snapshot: { consistent: true, connections: 1, binlogFile: null, binlogPosition: null, gtid: null },
    },
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    planHash: hashJson(plan),
    plan,
    csv: { ...CSV_CONVENTION },
    tables,
    totals: {
      tables: tables.length,
      rows: tables.reduce((s, t) => s + t.rows, 0),
      bytes: tables.reduce((s, t) => s + t.bytes, 0),
    },
  };
  edit?.(manifest);
  ManifestSchema.parse(manifest);
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  return manifest;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A target table whose COPY lasts seconds: every row costs 1 ms in a CHECK (it still runs under
 * session_replication_role = replica), so a test can act on the COPY for sure while it runs.
 */
export const SLOW_ITEM_TABLE = `
  CREATE FUNCTION slow_ok(int) RETURNS boolean LANGUAGE sql AS 'SELECT pg_sleep(0.001) IS NOT NULL';
  CREATE TABLE item (id int PRIMARY KEY CHECK (slow_ok(id)), name text NOT NULL);
  INSERT INTO item VALUES (-1, 'kept');
`;

/** The backend pid of the database's running `conv import` COPY, polled until it shows up. */
export async function copyBackend(db: {
  query<T extends { pid: number }>(sql: string, params?: unknown[]): Promise<T[]>;
}): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const rows = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'conv import'
          AND state = 'active' AND query LIKE 'COPY%'`,
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the import never started its COPY');
}
