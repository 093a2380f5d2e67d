import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import {
  ConvError,
  ExitCode,
  hashJson,
  MANIFEST_FILE,
  type Manifest,
  type MigrationPlan,
  type PlannedTable,
  Pool,
  type ProgressReporter,
  silentProgress,
} from '@conv/core';
import { csvHeader } from '@conv/csv-codec';
import { closeMysql, databaseOf } from '@conv/dialect/mysql';
import {
  buildManifest,
  type CsvTarget,
  countRows,
  createOwnDirectory,
  discardPartial,
  exportStamp,
  exportTableFile,
  fileNameFor,
  openSourceSnapshot,
  prepareDirectory,
  removeFiles,
  type SnapshotInfo,
  streamTableCsv,
  writeError,
  writeFileAtomic,
} from '@conv/mysql-export';
import {
  type CopyOutcome,
  copyError,
  copyFromStdin,
  cutConnection,
  type FkStrategyOption,
  type ImportMode,
  type ImportResult,
  type ImportTimeouts,
  type LoadTable,
  loadManifest,
  stalledError,
  stallWatch,
  type TableCopier,
  type TriggerMode,
} from '@conv/pg-loader';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { cutRanges, DEFAULT_SPLIT_MIN_MB, planSplit, type SplitDecision, type TableRange } from './split.js';

export interface MigrateOptions {
  /** Source server URL; its database (if any) wins over `plan.source.database`. */
  mysqlUrl: string;
  pgUrl: string;
  plan: MigrationPlan;
  /** Root of the run directory `<outDir>/<app>/<YYYYmmdd_HHMMSS>/` (import script, log, state; CSV with keepCsv). */
  outDir: string;
  app: string;
  /** Directory name instead of the timestamp (a per-table run resumes in the directory it left). */
  dirName?: string;
  now?: Date;
  /** Target schema; default `public`. */
  schema?: string;
  fkStrategy?: FkStrategyOption;
  /** `single-transaction` (default, one PostgreSQL connection): all or nothing. `per-table`: resumable. */
  mode?: ImportMode;
  /** Only these tables (source or target names). */
  tables?: string[];
  /** MySQL connections in the snapshot, and PostgreSQL connections in per-table mode (default 2). */
  jobs?: number;
  /** Also write the usual export directory (CSV files + manifest) from the same stream. */
  keepCsv?: boolean;
  /**
   * per-table mode: a table whose estimated size exceeds both total/jobs and this many MB is read and
   * loaded in primary-key ranges side by side (default 64; see planSplit).
   */
  splitMinMb?: number;
  /** Drop secondary indexes before each COPY and rebuild them after (default true). */
  deferIndexes?: boolean;
  /** Load even when planned target tables already hold rows (they are replaced, and reported). */
  replace?: boolean;
  /** User triggers of the loaded tables during the COPY (default `auto`). */
  triggers?: TriggerMode;
  /** Bounds on connecting, on a COPY that moves nothing, on lock waits (as for import). */
  timeouts?: ImportTimeouts;
  progress?: ProgressReporter;
  /** Aborting cuts every connection (MySQL and PostgreSQL): PostgreSQL rolls back the open transaction. */
  signal?: AbortSignal;
  /** Called once a table is loaded (committed in per-table mode). */
  onTableLoaded?: (table: string) => void;
}

export interface MigrateResult extends ImportResult {
  /** The run directory (script, log; CSV files and manifest with keepCsv). */
  dir: string;
  /** The manifest written with keepCsv (null without, or when a resumed run did not read every table). */
  manifest: Manifest | null;
  /** The snapshot every row was read in: binlog/GTID position for a catch-up from it. */
  snapshot: Omit<SnapshotInfo, 'notes'>;
  source: { dialect: 'mysql' | 'mariadb'; version: string; database: string };
  /** Tables larger than their share of the work: in how many key ranges each was loaded, and why. */
  split: SplitDecision[];
  notes: string[];
}

/**
 * Whether the loader may load a plan table (the rest is read only for the CSV copy): the plan decided
 * (`includeHistory` is a profile option of the plan), `tables` narrows it.
 */
function loadable(table: PlannedTable, options: MigrateOptions): boolean {
  if (options.tables && !options.tables.includes(table.source) && !options.tables.includes(table.target))
    return false;
  return table.action === 'load';
}

/**
 * MySQL rows → the export's encoders → `COPY … FROM STDIN`, no file in between, under one consistent
 * snapshot, with everything `import` guarantees (the same loader: live plan, FK strategy, one TRUNCATE,
 * sequences, one transaction or resumable per table, deferred indexes, COPY FREEZE, the script and log).
 * With `keepCsv` the same bytes are also written as a complete export directory + manifest.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const started = Date.now();
  const startedAt = new Date(started);
  const { plan } = options;
  const progress = options.progress ?? silentProgress;
  const database = databaseOf(options.mysqlUrl) ?? plan.source.database;
  const keepCsv = options.keepCsv === true;
  let dir: string;
  try {
    if (options.dirName) {
      dir = join(options.outDir, options.app, options.dirName);
      await prepareDirectory(dir);
    } else {
      // A directory of its own: two runs started in the same second never share one.
      dir = await createOwnDirectory(
        join(options.outDir, options.app),
        exportStamp(options.now ?? startedAt),
      );
    }
  } catch (err) {
    throw err instanceof ConvError ? err : writeError(err, join(options.outDir, options.app));
  }

  const read = plan.tables.filter((t) => keepCsv || loadable(t, options));
  const jobs = options.jobs ?? 2;
  const mode = options.mode ?? 'single-transaction';
  let split = planSplit(
    read.filter((t) => loadable(t, options)),
    { jobs, mode, minBytes: (options.splitMinMb ?? DEFAULT_SPLIT_MIN_MB) * 1048576, database },
  );
  // A split table's ranges are read side by side: a connection per range, up to --jobs.
  const extraParts = split.reduce((n, d) => n + d.parts - 1, 0);
  const wanted = Math.max(1, Math.min(jobs, read.length + extraParts || 1));
  const conns: mysql.Connection[] = [];
  const written: string[] = [];
  const internal = new AbortController();
  const stopAll = () => internal.abort();
  options.signal?.addEventListener('abort', stopAll, { once: true });
  if (options.signal?.aborted) stopAll();
  try {
    const source = await openSourceSnapshot(
      options.mysqlUrl,
      database,
      wanted,
      read.map((t) => t.source),
      conns,
    );
    for (const note of source.snapshot.notes) progress.log(`migrate: ${note}`);
    const pool = new Pool(conns);

    // Exact counts in the snapshot (each table on one connection; every connection sees the same data).
    const counts = new Map<string, number>();
    await Promise.all(
      conns.map(async (conn, i) => {
        for (let k = i; k < read.length; k += conns.length) {
          counts.set(read[k]!.source, await countRows(conn, database, read[k]!.source));
        }
      }),
    );

    // Ranges are only as consistent as the snapshot, and only useful when they can be read side by side.
    const why = !source.snapshot.consistent
      ? 'the snapshot is not consistent'
      : conns.length < 2
        ? 'the snapshot has one connection'
        : null;
    const ranges = new Map<string, TableRange[]>();
    split = await Promise.all(
      split.map(async (d): Promise<SplitDecision> => {
        if (d.parts < 2) return d;
        if (why) return { ...d, parts: 1, reason: `not split: ${why}` };
        const planned = read.find((t) => t.source === d.table)!;
        const cut = await pool.use((conn) =>
          cutRanges(conn, planned, database, counts.get(d.table)!, d.parts),
        );
        if (cut.length < 2) return { ...d, parts: 1, reason: 'not split: too few rows' };
        ranges.set(d.table, cut);
        return { ...d, parts: cut.length };
      }),
    );
    for (const d of split)
      progress.log(`migrate: ${d.table}: ${d.parts > 1 ? `${d.parts} key ranges, ${d.reason}` : d.reason}`);
    // Ranges whose CSV part file was written (keepCsv): joined into the table's one file after the load.
    const partFiles = new Map<string, Map<number, number>>();

    const taken = new Set<string>();
    const files = new Map(read.map((t) => [t.source, keepCsv ? fileNameFor(t.source, taken) : '']));
    const csv = new Map<string, { file: string; rows: number; bytes: number; sha256: string }>();

    // A table written to its CSV file only (not streamed into a COPY), checked against the snapshot count.
    const exportOnly = async (table: PlannedTable) => {
      const file = files.get(table.source)!;
      written.push(join(dir, file), join(dir, `${file}.partial`));
      const r = await pool.use((conn) =>
        exportTableFile({ conn, database, table, dir, file, progress, signal: internal.signal }),
      );
      checkCount(table.source, r.rows, counts.get(table.source)!, source.snapshot.consistent);
      csv.set(table.source, r);
    };

    // Tables kept only in the CSV copy (export-only, history, cache …): written before the load starts.
    for (const table of read.filter((t) => !loadable(t, options))) await exportOnly(table);

    const byName = new Map(plan.tables.map((t) => [t.source, t]));
    const copy: TableCopier = async (client, table, onBytes, copyOptions): Promise<CopyOutcome> => {
      const planned = byName.get(table.table)!;
      const conn = await pool.acquire();
      try {
        const whole = files.get(table.table) ?? '';
        const part = copyOptions.part;
        const range = part ? ranges.get(table.table)?.[part.index - 1] : undefined;
        if (part && !range) throw new Error(`no key range ${part.index} for table ${table.table}`);
        const file = whole && part ? partFile(whole, part.index) : whole;
        if (file) written.push(join(dir, file), join(dir, `${file}.partial`));
        const out = await streamIntoCopy({
          client,
          conn,
          database,
          planned,
          table,
          onBytes,
          freeze: copyOptions.freeze,
          stall: copyOptions.stall,
          file: file ? join(dir, file) : null,
          signal: internal.signal,
          ...(range
            ? {
                range: {
                  where: range.mysqlWhere,
                  // The table's file has one header (the first range's); every COPY wants its own.
                  header: range.part.index === 1,
                  label: `${range.part.index}/${range.part.of}`,
                },
              }
            : {}),
        });
        if (range) {
          checkCount(
            `${table.table} (key range ${range.part.index}/${range.part.of})`,
            out.rows,
            range.part.rows,
            source.snapshot.consistent,
          );
          if (file) {
            const done = partFiles.get(table.table) ?? new Map<number, number>();
            done.set(range.part.index, out.rows);
            partFiles.set(table.table, done);
          }
          return { rows: out.rows, bytes: out.bytes, ms: out.ms };
        }
        checkCount(table.table, out.rows, table.rows, source.snapshot.consistent);
        if (file) csv.set(table.table, { file, rows: out.rows, bytes: out.bytes, sha256: out.sha256! });
        return { rows: out.rows, bytes: out.bytes, ms: out.ms };
      } finally {
        pool.release(conn);
      }
    };

    const manifestIn = pseudoManifest(plan, read, files, counts);
    const result = await loadManifest({
      pgUrl: options.pgUrl,
      dir,
      manifest: manifestIn,
      copy,
      started,
      mode,
      jobs: wanted,
      ...(ranges.size ? { parts: new Map([...ranges].map(([t, rs]) => [t, rs.map((r) => r.part)])) } : {}),
      progress,
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.fkStrategy ? { fkStrategy: options.fkStrategy } : {}),
      ...(options.tables ? { tables: options.tables } : {}),
      ...(options.deferIndexes !== undefined ? { deferIndexes: options.deferIndexes } : {}),
      ...(options.onTableLoaded
        ? { onTableLoaded: (t: LoadTable) => options.onTableLoaded?.(t.target) }
        : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.replace !== undefined ? { replace: options.replace } : {}),
      ...(options.triggers ? { triggers: options.triggers } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      preamble: [
        `migrate from MySQL ${database} (${source.version}), snapshot ${source.snapshot.consistent ? 'consistent' : 'NOT consistent'} over ${source.snapshot.connections} connection(s)${source.snapshot.binlogFile ? `, binlog ${source.snapshot.binlogFile}:${source.snapshot.binlogPosition}` : ''}${source.snapshot.gtid ? `, gtid ${source.snapshot.gtid}` : ''}`,
        ...source.snapshot.notes,
      ],
    });
    // The loader has the last word on splitting (a table whose load needs one transaction stays whole).
    const whole = new Map(result.loadedWhole.map((w) => [w.table, w.reason]));
    split = split.map((d) => {
      const why = whole.get(read.find((t) => t.source === d.table)?.target ?? '');
      return why ? { ...d, parts: 1, reason: `not split: ${why}` } : d;
    });

    const notes = [...source.snapshot.notes];
    let manifest: Manifest | null = null;
    if (keepCsv) {
      // A split table whose every range was streamed now: its part files joined into its one file.
      const partly = new Set<string>();
      for (const [table, done] of partFiles) {
        const of = ranges.get(table)!.length;
        if (done.size < of) {
          partly.add(table);
          continue;
        }
        const file = files.get(table)!;
        written.push(join(dir, file), join(dir, `${file}.partial`));
        const joined = await joinParts(dir, file, of);
        csv.set(table, { file, rows: [...done.values()].reduce((a, b) => a + b, 0), ...joined });
      }
      if (partly.size) {
        notes.push(`${[...partly].join(', ')}: key ranges committed by an earlier run were not read again`);
      }
      // A table the loader skipped (e.g. missing in the target) was not streamed: write its file now.
      for (const table of read.filter(
        (t) => !csv.has(t.source) && !partly.has(t.source) && !result.resumed.includes(t.target),
      )) {
        await exportOnly(table);
      }
      if (read.every((t) => csv.has(t.source))) {
        manifest = buildManifest({
          app: options.app,
          mysqlUrl: options.mysqlUrl,
          database,
          version: source.version,
          mariadb: source.mariadb,
          snapshot: source.snapshot,
          startedAt,
          plan,
          files: read.map((t) => ({ table: t, ...csv.get(t.source)! })),
        });
        await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      } else {
        notes.push('no manifest written: tables loaded by an earlier run were not read again');
      }
    }
    // Only now: the tables written for keepCsv after the load are read in the snapshot too.
    for (const conn of conns) await conn.query('COMMIT').catch(() => {});
    const { notes: _n, ...snapshot } = source.snapshot;
    return {
      ...result,
      dir,
      manifest,
      snapshot,
      source: { dialect: source.mariadb ? 'mariadb' : 'mysql', version: source.version, database },
      split,
      notes,
      ms: Date.now() - started,
    };
  } catch (err) {
    stopAll();
    // CSV files of a failed run are not an export (no manifest); the script, log and state stay.
    await removeFiles(written, undefined);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
    for (const conn of conns) await closeMysql(conn);
  }
}

function checkCount(table: string, rows: number, expected: number, consistent: boolean): void {
  if (rows === expected) return;
  throw new ConvError(
    `table ${table}: read ${rows} rows but COUNT(*) in the same snapshot is ${expected}; nothing of it was committed`,
    {
      code: 'export.count-mismatch',
      at: { table },
      hint: consistent ? undefined : 'the table is not transactional: migrate while nothing writes to it',
    },
  );
}

/** The loader's input: what a manifest would say, from the plan and the snapshot's counts. */
function pseudoManifest(
  plan: MigrationPlan,
  read: PlannedTable[],
  files: Map<string, string>,
  counts: Map<string, number>,
): Manifest {
  return {
    planHash: hashJson(plan),
    plan,
    tables: read.map((t) => ({
      table: t.source,
      target: t.target,
      file: files.get(t.source) ?? '',
      columns: t.columns.map((c) => c.target),
      rows: counts.get(t.source) ?? 0,
      bytes: t.approxBytes,
      sha256: '',
    })),
  } as unknown as Manifest;
}

interface StreamIntoCopy {
  client: pg.ClientBase;
  conn: mysql.Connection;
  database: string;
  planned: PlannedTable;
  table: LoadTable;
  onBytes(bytes: number): void;
  freeze: boolean;
  /** No byte taken by the COPY for this long: the connection is cut (as import's stall watchdog). */
  stall: { ms: number; server: string };
  /** Also write the bytes to this CSV file (through `<file>.partial`, renamed when complete). */
  file: string | null;
  signal: AbortSignal;
  /** One key range of a split table (`WHERE` on the `src` alias), and whether the CSV file gets the header. */
  range?: { where: { clause: string; values: unknown[] }; header: boolean; label: string };
}

/** One table from MySQL into COPY (and the CSV file): counts checked by the caller. */
async function streamIntoCopy(
  o: StreamIntoCopy,
): Promise<{ rows: number; bytes: number; ms: number; sha256: string | null }> {
  const started = Date.now();
  const { table } = o;
  const copy = o.client.query(copyFrom(copyFromStdin(table.schema, table.target, table.columns, o.freeze)));
  const copyDone = finished(copy);
  copyDone.catch(() => {});
  let stalled: ConvError | undefined;
  const watch = stallWatch(o.stall.ms, () => {
    stalled = stalledError(o.stall.server, `${table.schema}.${table.target}`, o.stall.ms);
    cutConnection(o.client, stalled);
    copy.destroy(stalled);
  });
  const targets: CsvTarget[] = [
    { stream: copy, error: (err) => stalled ?? rejected(err, table, o.range?.label) },
  ];
  // COPY … HEADER true: a range read without the header line still owes this COPY one.
  if (o.range && !o.range.header) copy.write(csvHeader(o.planned.columns.map((c) => c.target)));
  let out: WriteStream | null = null;
  let outDone: Promise<void> | null = null;
  if (o.file) {
    const file = o.file;
    out = createWriteStream(`${file}.partial`, { flush: true, highWaterMark: 1024 * 1024 });
    outDone = finished(out);
    outDone.catch(() => {});
    targets.push({ stream: out, error: (err) => writeError(err, file, o.planned.source) });
  }
  try {
    const r = await streamTableCsv({
      conn: o.conn,
      database: o.database,
      table: o.planned,
      targets,
      signal: o.signal,
      hash: o.file !== null,
      ...(o.range ? { where: o.range.where, header: o.range.header } : {}),
      // MySQL's silence is named (half the stall bound) before the COPY's watch, which then sees no byte
      // either, would blame PostgreSQL.
      idleMs: Math.max(1000, Math.floor(o.stall.ms / 2)),
      onProgress: (_rows, bytes) => {
        watch.touch();
        o.onBytes(bytes);
      },
    });
    copy.end();
    out?.end();
    try {
      await copyDone;
    } catch (err) {
      throw stalled ?? rejected(err, table, o.range?.label);
    }
    if (outDone) {
      try {
        await outDone;
        await rename(`${o.file}.partial`, o.file!);
      } catch (err) {
        throw writeError(err, o.file!, o.planned.source);
      }
    }
    if (copy.rowCount !== r.rows) {
      throw new ConvError(
        `${table.schema}.${table.target}: PostgreSQL loaded ${copy.rowCount} rows, ${r.rows} were sent; nothing was committed`,
        { code: 'import.count-mismatch', exit: ExitCode.loadFailed, at: { table: table.target } },
      );
    }
    return { rows: r.rows, bytes: r.bytes, ms: Date.now() - started, sha256: r.sha256 };
  } catch (err) {
    if (out) await discardPartial(out, `${o.file}.partial`);
    // An unfinished COPY must be ended for the connection to be usable (the transaction rolls back).
    if (!copy.writableEnded) copy.destroy(err as Error);
    throw stalled ?? err;
  } finally {
    watch.stop();
  }
}

/** A row PostgreSQL refused: the import's error, with the row's place in the stream instead of a file line. */
function rejected(err: unknown, table: LoadTable, range?: string): ConvError {
  const path = `rows streamed from MySQL table ${table.table}${range ? `, key range ${range}` : ''}`;
  const e = copyError(err, { ...table, path });
  const line = e.location.line;
  const { file: _file, ...location } = e.location;
  return new ConvError(
    e.message
      .replace(`, file ${path}`, ` (${path})`)
      .replace(`line ${line}`, `row ${(line ?? 1) - 1} in the order MySQL sent them`),
    { code: e.code, exit: e.exitCode, at: location, hint: e.hint, cause: err },
  );
}

/** A range's CSV file next to the table's (joined into it after the load). */
function partFile(file: string, index: number): string {
  return `${file}.part${index}`;
}

/**
 * The ranges' files, in key order, joined into the table's one CSV file (the first range holds the header):
 * an export directory `import` accepts. Hashed as it is written; the part files are removed.
 */
async function joinParts(
  dir: string,
  file: string,
  parts: number,
): Promise<{ bytes: number; sha256: string }> {
  const target = join(dir, file);
  const hash = createHash('sha256');
  let bytes = 0;
  const out = createWriteStream(`${target}.partial`, { flush: true, highWaterMark: 1024 * 1024 });
  const done = finished(out);
  done.catch(() => {});
  try {
    for (let i = 1; i <= parts; i++) {
      for await (const chunk of createReadStream(join(dir, partFile(file, i)), {
        highWaterMark: 1024 * 1024,
      })) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        if (!out.write(chunk)) await once(out, 'drain');
      }
    }
    out.end();
    await done;
    await rename(`${target}.partial`, target);
  } catch (err) {
    await discardPartial(out, `${target}.partial`);
    throw writeError(err, target);
  }
  await removeFiles(
    Array.from({ length: parts }, (_, i) => join(dir, partFile(file, i + 1))),
    undefined,
  );
  return { bytes, sha256: hash.digest('hex') };
}
