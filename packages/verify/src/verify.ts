import {
  ConvError,
  ExitCode,
  isLostConnection,
  isMysqlLostConnection,
  type MigrationPlan,
  type PlannedTable,
  Pool,
  type ProgressReporter,
  redactUrl,
  silentProgress,
} from '@conv/core';
import { connectMysql, databaseOf } from '@conv/dialect/mysql';
import { connectPg as connectDialectPg } from '@conv/dialect/postgres';
import { columnCharsets } from '@conv/mysql-export';
import type pg from 'pg';
import { type ConstraintProblem, checkConstraints } from './constraints.js';
import { mysqlAll, pgAll } from './db.js';
import { inheritanceParents } from './inheritance.js';
import { type TableVerifyResult, type VerifyMode, type VerifyReport, verifyReport } from './report.js';
import { buildTableSql, type TableSql } from './table-sql.js';
import {
  bucketChunks,
  type Chunk,
  diffChunks,
  type HashIn,
  rangeChunks,
  type Sides,
  type Summary,
  summarizeMysql,
  summarizePg,
} from './table-verify.js';

export interface VerifyOptions {
  mysqlUrl: string;
  pgUrl: string;
  plan: MigrationPlan;
  /** `counts`: exact COUNT(*) only; `full` (default): checksums of every chunk; `sample`: of N% of chunks. */
  mode?: VerifyMode;
  /** Share of chunks checked in `sample` mode (default 10). */
  samplePercent?: number;
  /** Keys per chunk (default 10,000): a difference is narrowed down to one chunk, then to its rows. */
  chunkRows?: number;
  /** Tables verified at once, each on its own pair of connections (default 2). */
  jobs?: number;
  /** Only these source tables (default: every `load` table of the plan). */
  tables?: string[];
  /** Most differing rows listed per table (default 20). */
  maxMismatches?: number;
  /** Where row hashes are computed: `sql` (default, measured faster) or `node` (rows streamed to Node). */
  hashIn?: HashIn;
  progress?: ProgressReporter;
  /** Differing chunks compared row by row per table (default 10; the rest are only counted). */
  diffChunks?: number;
  /** List the differing rows' keys as each side stores them (RowMismatch.sourceKey/targetKey). */
  rawKeys?: boolean;
  /** For sample mode: chooses chunks (default Math.random). */
  random?: () => number;
  /**
   * Resolves once a table's target side may be read (e.g. committed by a load that is still running).
   * The MySQL side of each table is summarised before it is awaited, so verification overlaps the load;
   * tables are then taken in the plan's load order. A rejection stops verify with that error.
   */
  ready?: (table: PlannedTable) => Promise<void>;
}

export interface Worker extends Sides {
  close(): Promise<void>;
}

async function connectPg(url: string): Promise<pg.Client> {
  const client = await connectDialectPg(url, {
    application: 'conv verify',
    hint: 'check the URL, the server and the credentials',
  });
  let encoding: string;
  try {
    // Shortest round-trip digits for doubles (the PostgreSQL 12+ default, unless a setting lowered it).
    await client.query('SET extra_float_digits = 1');
    [[encoding]] = (await pgAll(client, 'SHOW server_encoding')) as [[string]];
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  if (encoding !== 'UTF8') {
    await client.end();
    throw new ConvError(
      `PostgreSQL database at ${redactUrl(url)} uses encoding ${encoding}: verify hashes UTF-8 text`,
      {
        code: 'verify.encoding',
        exit: ExitCode.usage,
        hint: 'conv loads into UTF8 databases only (CREATE DATABASE … ENCODING UTF8)',
      },
    );
  }
  return client;
}

export async function openWorker(mysqlUrl: string, pgUrl: string): Promise<Worker> {
  const my = await connectMysql(mysqlUrl);
  my.on('error', () => {}); // as for PostgreSQL: a lost connection fails the query, not the process
  let pgClient: pg.Client;
  try {
    pgClient = await connectPg(pgUrl);
  } catch (err) {
    await my.end().catch(() => {});
    throw err;
  }
  let second: Promise<pg.Client> | undefined;
  return {
    mysql: my,
    pg: pgClient,
    jsonb: () => {
      second ??= connectPg(pgUrl);
      return second;
    },
    async close() {
      await my.end().catch(() => {});
      await pgClient.end().catch(() => {});
      if (second) await (await second.catch(() => undefined))?.end().catch(() => {});
    },
  };
}

export function queryError(err: unknown, table: PlannedTable): ConvError {
  if (err instanceof ConvError) return err;
  const e = err as { code?: string; message?: string };
  const what = `verifying ${table.source} → ${table.targetSchema}.${table.target} failed`;
  // Socket errors carry the same codes from both drivers: mysql2 marks its own fatal, node-postgres does not.
  const fatal = (err as { fatal?: unknown }).fatal === true;
  const engine =
    isMysqlLostConnection(err) && (fatal || !isLostConnection(err))
      ? 'MySQL'
      : isLostConnection(err)
        ? 'PostgreSQL'
        : undefined;
  if (engine) {
    // The data is not at fault: exit 5 like every other lost connection, not "unexpected".
    return new ConvError(
      `${what}: the connection to ${engine} was lost (${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)})`,
      {
        code: 'connect.lost',
        exit: ExitCode.connection,
        at: { table: table.source, engine },
        hint: 'the server closed the connection (KILL, restart, crash or network): check the server and verify again',
        cause: err,
      },
    );
  }
  return new ConvError(`${what}: ${e.message ?? String(err)}`, {
    code: 'verify.query',
    at: { table: table.source },
    hint:
      e.code === '42P01' || e.code === 'ER_NO_SUCH_TABLE'
        ? 'the table is missing on one side: re-plan (conv plan) against the current databases'
        : undefined,
    cause: err,
  });
}

function sampleOf(chunks: Chunk[], percent: number, random: () => number): Chunk[] {
  const want = Math.max(1, Math.ceil((chunks.length * percent) / 100));
  if (want >= chunks.length) return chunks;
  const shuffled = [...chunks];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return shuffled.slice(0, want).sort((a, b) => a.index - b.index);
}

type Settings = Required<
  Pick<
    VerifyOptions,
    'mode' | 'samplePercent' | 'chunkRows' | 'maxMismatches' | 'hashIn' | 'random' | 'diffChunks' | 'rawKeys'
  >
> & { parents: Set<string> };

/** What the MySQL side says about a table, computed before its target side may be read. */
interface SourceSide {
  sql: TableSql;
  rows: number;
  all: Chunk[];
  checked: Chunk[];
  summaries: Map<number, Summary> | null;
}

async function countOf(w: Worker, which: 'mysql' | 'pg', sql: TableSql): Promise<number> {
  const [[count]] = (
    which === 'mysql'
      ? await mysqlAll(w.mysql, `SELECT COUNT(*) FROM ${sql.mysql.from}`)
      : await pgAll(w.pg, `SELECT count(*) FROM ${sql.pg.from}`)
  ) as [[unknown]];
  return Number(count);
}

async function chunksOf(w: Worker, sql: TableSql, rows: number, settings: Settings) {
  const all =
    sql.chunking === 'range'
      ? await rangeChunks(w.mysql, sql, settings.chunkRows)
      : bucketChunks(rows, settings.chunkRows);
  const checked = settings.mode === 'sample' ? sampleOf(all, settings.samplePercent, settings.random) : all;
  return { all, checked };
}

/** The table's columns stored as utf8mb4 (their text is hashed without a CONVERT). */
async function utf8mb4Columns(w: Worker, database: string, table: PlannedTable): Promise<Set<string>> {
  const sets = await columnCharsets(w.mysql, database, table.source);
  return new Set([...sets].filter(([, set]) => set === 'utf8mb4').map(([column]) => column));
}

/** Phase 1, MySQL only: row count, chunks and their checksums. */
async function verifySource(
  w: Worker,
  table: PlannedTable,
  database: string,
  settings: Settings,
): Promise<SourceSide> {
  const onlyParent = settings.parents.has(`${table.targetSchema}.${table.target}`);
  const stored = settings.mode === 'counts' ? new Set<string>() : await utf8mb4Columns(w, database, table);
  const sql = buildTableSql(table, database, onlyParent, stored);
  const rows = await countOf(w, 'mysql', sql);
  if (settings.mode === 'counts') return { sql, rows, all: [], checked: [], summaries: null };
  const { all, checked } = await chunksOf(w, sql, rows, settings);
  return { sql, rows, all, checked, summaries: await summarizeMysql(w, sql, checked, settings.hashIn) };
}

/** Phase 2: the PostgreSQL side against phase 1; differing chunks compared row by row on both sides. */
async function verifyTarget(
  w: Worker,
  table: PlannedTable,
  source: SourceSide,
  settings: Settings,
): Promise<TableVerifyResult> {
  const { sql } = source;
  const targetRows = await countOf(w, 'pg', sql);
  const result: TableVerifyResult = {
    table: table.source,
    target: table.target,
    sourceRows: source.rows,
    targetRows,
    countMatch: source.rows === targetRows,
    checksumMatch: null,
    mismatches: [],
    mismatchesTruncated: false,
    chunks: { chunking: 'none', total: 0, checked: 0, mismatched: 0 },
    ms: 0,
  };
  if (settings.mode === 'counts') return result;
  let { all, checked, summaries } = source;
  // Hash buckets are sized by the larger side, so that a target with many extra rows is still
  // narrowed down to small buckets (rare: the MySQL side is summarised again).
  if (sql.chunking !== 'range' && bucketChunks(targetRows, settings.chunkRows).length > all.length) {
    ({ all, checked } = await chunksOf(w, sql, targetRows, settings));
    summaries = await summarizeMysql(w, sql, checked, settings.hashIn);
  }
  const target = await summarizePg(w, sql, checked, settings.hashIn);
  const bad = checked.filter((c) => {
    const a = summaries!.get(c.index);
    const b = target.get(c.index);
    return (a?.rows ?? 0) !== (b?.rows ?? 0) || (a?.sum ?? 0n) !== (b?.sum ?? 0n);
  });
  result.chunks = {
    chunking: sql.chunking,
    total: all.length,
    checked: checked.length,
    mismatched: bad.length,
  };
  result.checksumMatch = bad.length === 0;
  if (bad.length) {
    // Row by row in the first differing chunks: enough to name rows and columns, bounded in memory.
    const limit = settings.maxMismatches;
    const n = settings.diffChunks;
    const rows = await diffChunks(w, sql, bad.slice(0, n), limit + 1, settings.rawKeys);
    result.mismatchesTruncated = rows.length > limit || bad.length > n;
    result.mismatches = rows.slice(0, limit);
  }
  return result;
}

/**
 * Proves the target holds what the source holds: for every `load` table of the plan, exact row counts on
 * both sides and (modes `full`/`sample`) order-independent checksums over a canonical text of every value,
 * per key-range chunk; differing chunks are compared row by row to name keys and columns.
 */
export async function verifyMigration(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const mode = options.mode ?? 'full';
  const progress = options.progress ?? silentProgress;
  const database = databaseOf(options.mysqlUrl) ?? options.plan.source.database;
  const wanted = options.tables ? new Set(options.tables) : undefined;
  const tables = options.plan.tables.filter((t) => t.action === 'load' && (!wanted || wanted.has(t.source)));
  if (wanted) {
    const unknown = [...wanted].filter((name) => !tables.some((t) => t.source === name));
    if (unknown.length) {
      throw new ConvError(`not a loaded table of the plan: ${unknown.join(', ')}`, {
        code: 'plan.unknown-table',
        exit: ExitCode.usage,
        at: { table: unknown[0]! },
        hint: 'name source tables whose plan action is load (conv plan lists them)',
      });
    }
  }
  const settings = {
    mode,
    samplePercent: Math.min(100, Math.max(0.001, options.samplePercent ?? 10)),
    chunkRows: Math.max(1, Math.floor(options.chunkRows ?? 10_000)),
    maxMismatches: options.maxMismatches ?? 20,
    hashIn: options.hashIn ?? 'sql',
    random: options.random ?? Math.random,
    diffChunks: Math.max(1, options.diffChunks ?? 10),
    rawKeys: options.rawKeys ?? false,
  };
  if (mode === 'keys') {
    throw new ConvError('verify mode keys compares given keys only: use verifyKeys', {
      code: 'verify.mode',
      exit: ExitCode.usage,
    });
  }
  const ready = options.ready;
  // Biggest tables first, so that the last one to finish is not a big one started late; when tables
  // become readable one by one (a load still running), in the order they are loaded.
  const loadIndex = new Map(options.plan.loadOrder.map((name, i) => [name, i]));
  const queue = ready
    ? [...tables].sort((a, b) => (loadIndex.get(a.source) ?? 0) - (loadIndex.get(b.source) ?? 0))
    : [...tables].sort((a, b) => b.approxBytes - a.approxBytes);
  const results = new Map<string, TableVerifyResult>();
  const jobs = Math.max(1, Math.min(options.jobs ?? 2, queue.length || 1));
  const workers: Worker[] = [];
  let constraints: ConstraintProblem[] = [];
  const stopped = new AbortController();
  try {
    for (let i = 0; i < jobs; i++) workers.push(await openWorker(options.mysqlUrl, options.pgUrl));
    const parents = await inheritanceParents(workers[0]!.pg);
    const pool = new Pool(workers);
    const run = async <T>(table: PlannedTable, body: (w: Worker) => Promise<T>): Promise<T> =>
      pool.use(async (w) => {
        // After a failure no table starts a new phase (the first error is the one reported).
        if (stopped.signal.aborted) throw stopped.signal.reason;
        try {
          return await body(w);
        } catch (err) {
          throw queryError(err, table);
        }
      });
    // Every table is a task: its MySQL side, then (once readable) its PostgreSQL side. A worker is held
    // only while a phase runs, so a table waiting for its load never blocks the others.
    await Promise.all(
      queue.map(async (table) => {
        try {
          let ms = 0;
          const timed = async <T>(body: () => Promise<T>): Promise<T> => {
            const began = Date.now();
            try {
              return await body();
            } finally {
              ms += Date.now() - began;
            }
          };
          const source = await run(table, (w) => {
            progress.start(table.source, { rows: table.approxRows });
            return timed(() => verifySource(w, table, database, { ...settings, parents }));
          });
          if (ready) await ready(table);
          const r = await run(table, (w) =>
            timed(() => verifyTarget(w, table, source, { ...settings, parents })),
          );
          // Time spent verifying (waiting for the table to be loaded is not verify's time).
          r.ms = ms;
          results.set(table.source, r);
          progress.finish(table.source, r.sourceRows, 0);
        } catch (err) {
          if (!stopped.signal.aborted) stopped.abort(err);
          throw err;
        }
      }),
    ).catch(() => {
      throw stopped.signal.reason;
    });
    constraints = await checkConstraints(
      workers[0]!.pg,
      tables.map((t) => ({ schema: t.targetSchema, name: t.target })),
    );
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  return verifyReport(
    tables.map((t) => results.get(t.source)!),
    constraints,
    {
      mode,
      hashIn: settings.hashIn,
      chunkRows: settings.chunkRows,
      samplePercent: mode === 'sample' ? settings.samplePercent : null,
      started,
    },
  );
}
