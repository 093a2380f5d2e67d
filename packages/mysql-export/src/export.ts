import { existsSync } from 'node:fs';
import { mkdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CONV_VERSION,
  ConvError,
  CSV_CONVENTION,
  ExitCode,
  hashJson,
  lockDirectory,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  type Manifest,
  ManifestSchema,
  type MigrationPlan,
  type PlannedTable,
  type ProgressReporter,
  serverOf,
  silentProgress,
} from '@conv/core';
import { closeMysql, databaseOf } from '@conv/dialect/mysql';
import type mysql from 'mysql2/promise';
import { exportStamp, fileNameFor, writeError, writeFileAtomic } from './files.js';
import { orphanNote, removeOrphanPartials } from './orphans.js';
import type { SnapshotInfo } from './snapshot.js';
import { openSourceSnapshot } from './source.js';
import { countRows, exportTableFile, type TableExportResult } from './table-export.js';

export interface ExportOptions {
  /** Source server URL; its database (if any) wins over `plan.source.database`. */
  mysqlUrl: string;
  plan: MigrationPlan;
  /** Root of exports: files go to `<outDir>/<app>/<YYYYmmdd_HHMMSS>/`. */
  outDir: string;
  app: string;
  /** Tables exported at once, each on its own connection (default 2). */
  jobs?: number;
  progress?: ProgressReporter;
  /** Time used for the directory name (default: now, UTC). */
  now?: Date;
  /** Directory name instead of the timestamp. */
  dirName?: string;
  signal?: AbortSignal;
  /** MySQL silent this long mid-table fails the export, exit 5 (default 120 s; see streamTableCsv). */
  idleMs?: number;
  /** Called (and awaited) before each table starts, e.g. for audit events. */
  onTableStart?: (table: PlannedTable) => Promise<void> | void;
}

export interface ExportResult {
  dir: string;
  manifest: Manifest;
  /** How the snapshot was taken (lock refused, non-transactional tables …), for the user. */
  notes: string[];
}

/**
 * Exports every table of the plan (`load` and `export-only`) into CSV files and writes
 * `migration_manifest.json` last, atomically: a directory without a manifest is an incomplete export.
 * On failure the files written so far are removed and the error names the table/file.
 */
export async function exportDatabase(options: ExportOptions): Promise<ExportResult> {
  const { mysqlUrl, plan, app } = options;
  const progress = options.progress ?? silentProgress;
  const startedAt = new Date();
  const database = databaseOf(mysqlUrl) ?? plan.source.database;
  const written: string[] = [];
  let createdDir = false;
  let dir: string;
  try {
    if (options.dirName) {
      dir = join(options.outDir, app, options.dirName);
      createdDir = await prepareDirectory(dir);
    } else {
      dir = await createOwnDirectory(join(options.outDir, app), exportStamp(options.now ?? startedAt));
      createdDir = true;
    }
  } catch (err) {
    throw err instanceof ConvError ? err : writeError(err, join(options.outDir, app));
  }
  // Held while the directory is written: the next export tells a killed one (dead holder) from a running one.
  const unlockDir = lockDirectory(dir, 'export');

  const conns: mysql.Connection[] = [];
  const internal = new AbortController();
  const stopAll = () => internal.abort();
  options.signal?.addEventListener('abort', stopAll, { once: true });
  if (options.signal?.aborted) stopAll();
  try {
    const wanted = Math.max(1, Math.min(options.jobs ?? 2, plan.tables.length || 1));
    const source = plan.tables.map((t) => t.source);
    const { version, mariadb, snapshot } = await openSourceSnapshot(
      mysqlUrl,
      database,
      wanted,
      source,
      conns,
    );
    for (const o of await removeOrphanPartials(join(options.outDir, app), dir))
      snapshot.notes.push(orphanNote(o));
    for (const note of snapshot.notes) progress.log(`export: ${note}`);

    // Largest first, so that a big table does not start last and finish alone.
    const taken = new Set<string>();
    const files = new Map(plan.tables.map((t) => [t, fileNameFor(t.source, taken)]));
    const queue = [...plan.tables].sort((a, b) => b.approxBytes - a.approxBytes);
    const results = new Map<PlannedTable, TableExportResult>();

    const worker = async (conn: mysql.Connection) => {
      for (let table = queue.shift(); table; table = queue.shift()) {
        if (internal.signal.aborted) return;
        await options.onTableStart?.(table);
        // The exact count, in this connection's snapshot, before reading. Measured against counting on an
        // extra snapshot connection while the others stream: no faster on 2 cores (the count competes for
        // CPU), and that connection's metadata locks could make a concurrent DDL block our own SELECTs.
        const expected = await countRows(conn, database, table.source);
        progress.start(table.source, { rows: expected, bytes: table.approxBytes });
        const file = files.get(table)!;
        written.push(join(dir, file), join(dir, `${file}.partial`));
        const result = await exportTableFile({
          conn,
          database,
          table,
          dir,
          file,
          progress,
          signal: internal.signal,
          ...(options.idleMs ? { idleMs: options.idleMs } : {}),
        });
        if (result.rows !== expected) {
          throw new ConvError(
            `table ${table.source}: wrote ${result.rows} rows but COUNT(*) in the same snapshot is ${expected}`,
            {
              code: 'export.count-mismatch',
              at: { table: table.source, file: join(dir, file) },
              hint: snapshot.consistent
                ? undefined
                : 'the table is not transactional: export while nothing writes to it',
            },
          );
        }
        progress.finish(table.source, result.rows, result.bytes);
        results.set(table, result);
      }
    };
    // The error that caused the stop is the first in time that is not a "stopped" error: the tables it
    // interrupted fail after it (as stopped, or as a connection closed under them).
    let cause: { error: unknown } | undefined;
    const outcomes = await Promise.allSettled(
      conns.map((conn) =>
        worker(conn).catch((err) => {
          if (!cause && !stoppedError(err)) cause = { error: err };
          stopAll(); // one failure stops the other tables at once
          throw err;
        }),
      ),
    );
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw cause ? cause.error : failure.reason;
    if (options.signal?.aborted) {
      throw new ConvError('export stopped before completion', { code: 'export.aborted' });
    }

    for (const conn of conns) await conn.query('COMMIT').catch(() => {});
    const manifest = buildManifest({
      app,
      mysqlUrl,
      database,
      version,
      mariadb,
      snapshot,
      startedAt,
      plan,
      files: plan.tables.map((t) => results.get(t)!),
    });
    await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    return { dir, manifest, notes: snapshot.notes };
  } catch (err) {
    stopAll();
    unlockDir();
    await removeFiles(written, createdDir ? dir : undefined);
    throw err;
  } finally {
    unlockDir();
    options.signal?.removeEventListener('abort', stopAll);
    for (const conn of conns) await closeMysql(conn);
  }
}

/** The "stopped" error of a table that another table's failure (or an abort) interrupted. */
function stoppedError(err: unknown): boolean {
  return err instanceof ConvError && err.code === 'export.aborted';
}

/** Creates the export directory; refuses one that already holds a complete export. */
export async function prepareDirectory(dir: string): Promise<boolean> {
  if (existsSync(join(dir, MANIFEST_FILE))) {
    throw new ConvError(`${dir} already holds a complete export (${MANIFEST_FILE})`, {
      code: 'export.exists',
      exit: ExitCode.usage,
      at: { file: join(dir, MANIFEST_FILE) },
      hint: 'choose another directory name, or remove the old export',
    });
  }
  const existed = existsSync(dir);
  await mkdir(dir, { recursive: true });
  return !existed;
}

/**
 * A directory no other export uses: `<stamp>`, else `<stamp>_2`, `_3`, … — created with a plain (not
 * recursive) mkdir, which fails on an existing name, so two exports started in the same second cannot
 * both take one and delete each other's files on cleanup.
 */
export async function createOwnDirectory(base: string, stamp: string): Promise<string> {
  await mkdir(base, { recursive: true });
  for (let i = 1; ; i++) {
    const dir = join(base, i === 1 ? stamp : `${stamp}_${i}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i >= 1000) throw err;
    }
  }
}

export async function removeFiles(files: string[], dir: string | undefined): Promise<void> {
  for (const file of files) await unlink(file).catch(() => {});
  await unlink(join(dir ?? '/nonexistent', `${MANIFEST_FILE}.tmp`)).catch(() => {});
  if (dir) await rmdir(dir).catch(() => {});
}

export interface ManifestInput {
  app: string;
  mysqlUrl: string;
  database: string;
  version: string;
  mariadb: boolean;
  snapshot: SnapshotInfo;
  startedAt: Date;
  plan: MigrationPlan;
  /** One written file per plan table, in plan order. */
  files: { table: PlannedTable; file: string; rows: number; bytes: number; sha256: string }[];
}

/** The manifest of a complete export directory (validated with ManifestSchema). */
export function buildManifest(input: ManifestInput): Manifest {
  const { snapshot, plan } = input;
  const tables = input.files.map((r) => ({
    table: r.table.source,
    target: r.table.target,
    file: r.file,
    columns: r.table.columns.map((c) => c.target),
    rows: r.rows,
    bytes: r.bytes,
    sha256: r.sha256,
  }));
  return ManifestSchema.parse({
    manifestVersion: MANIFEST_VERSION,
    tool: { name: 'conv', version: CONV_VERSION },
    app: input.app,
    source: {
      dialect: input.mariadb ? 'mariadb' : 'mysql',
      version: input.version,
      server: serverOf(input.mysqlUrl),
      database: input.database,
      snapshot: {
        consistent: snapshot.consistent,
        connections: snapshot.connections,
        binlogFile: snapshot.binlogFile,
        binlogPosition: snapshot.binlogPosition,
        gtid: snapshot.gtid,
      },
    },
    startedAt: input.startedAt.toISOString(),
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
  } satisfies Manifest);
}
