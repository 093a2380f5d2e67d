import {
  ConvError,
  connectionError,
  ExitCode,
  type MigrationPlan,
  type PlannedTable,
  type ProgressReporter,
  redactUrl,
  silentProgress,
} from '@conv/core';
import { connectMysql, databaseOf } from '@conv/mysql-export';
import pg from 'pg';
import { type ConstraintProblem, checkConstraints } from './constraints.js';
import { mysqlAll, pgAll } from './db.js';
import { inheritanceParents } from './inheritance.js';
import { type TableVerifyResult, tableOk, type VerifyMode, type VerifyReport } from './report.js';
import { buildTableSql, type TableSql } from './table-sql.js';
import {
  bucketChunks,
  type Chunk,
  diffChunks,
  type HashIn,
  rangeChunks,
  type Sides,
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
}

export interface Worker extends Sides {
  close(): Promise<void>;
}

async function connectPg(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'conv verify' });
  // A server-side disconnect (restart, pg_terminate_backend) must fail the running query, not crash the
  // process with an unhandled 'error' event; the next query on the dead client fails too.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw connectionError('PostgreSQL', url, err, 'verify.connect', {
      hint: 'check the URL, the server and the credentials',
    });
  }
  // Shortest round-trip digits for doubles (the PostgreSQL 12+ default, unless a setting lowered it).
  await client.query('SET extra_float_digits = 1');
  const [[encoding]] = (await pgAll(client, 'SHOW server_encoding')) as [[string]];
  if (encoding !== 'UTF8') {
    await client.end();
    throw new ConvError(
      `PostgreSQL database at ${redactUrl(url)} uses encoding ${encoding}: verify hashes UTF-8 text`,
      'verify.encoding',
      ExitCode.usage,
      {},
      'conv loads into UTF8 databases only (CREATE DATABASE … ENCODING UTF8)',
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
  return new ConvError(
    `verifying ${table.source} → ${table.targetSchema}.${table.target} failed: ${e.message ?? String(err)}`,
    'verify.query',
    ExitCode.unexpected,
    { table: table.source },
    e.code === '42P01' || e.code === 'ER_NO_SUCH_TABLE'
      ? 'the table is missing on one side: re-plan (conv plan) against the current databases'
      : undefined,
    { cause: err },
  );
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

async function countBoth(w: Worker, sql: TableSql): Promise<[number, number]> {
  const [[source], [target]] = [
    ...(await Promise.all([
      mysqlAll(w.mysql, `SELECT COUNT(*) FROM ${sql.mysql.from}`),
      pgAll(w.pg, `SELECT count(*) FROM ${sql.pg.from}`),
    ])),
  ] as [[unknown[]], [unknown[]]];
  return [Number(source![0]), Number(target![0])];
}

async function verifyTable(
  w: Worker,
  table: PlannedTable,
  database: string,
  options: Required<
    Pick<
      VerifyOptions,
      | 'mode'
      | 'samplePercent'
      | 'chunkRows'
      | 'maxMismatches'
      | 'hashIn'
      | 'random'
      | 'diffChunks'
      | 'rawKeys'
    >
  > & { parents: Set<string> },
): Promise<TableVerifyResult> {
  const started = Date.now();
  const sql = buildTableSql(table, database, options.parents.has(`${table.targetSchema}.${table.target}`));
  const [sourceRows, targetRows] = await countBoth(w, sql);
  const result: TableVerifyResult = {
    table: table.source,
    target: table.target,
    sourceRows,
    targetRows,
    countMatch: sourceRows === targetRows,
    checksumMatch: null,
    mismatches: [],
    mismatchesTruncated: false,
    chunks: { chunking: 'none', total: 0, checked: 0, mismatched: 0 },
    ms: 0,
  };
  if (options.mode !== 'counts') {
    const all =
      sql.chunking === 'range'
        ? await rangeChunks(w, sql, options.chunkRows)
        : bucketChunks(Math.max(sourceRows, targetRows), options.chunkRows);
    const checked = options.mode === 'sample' ? sampleOf(all, options.samplePercent, options.random) : all;
    const [source, target] = await Promise.all([
      summarizeMysql(w, sql, checked, options.hashIn),
      summarizePg(w, sql, checked, options.hashIn),
    ]);
    const bad = checked.filter((c) => {
      const a = source.get(c.index);
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
      const limit = options.maxMismatches;
      const n = options.diffChunks;
      const rows = await diffChunks(w, sql, bad.slice(0, n), limit + 1, options.rawKeys);
      result.mismatchesTruncated = rows.length > limit || bad.length > n;
      result.mismatches = rows.slice(0, limit);
    }
  }
  result.ms = Date.now() - started;
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
      throw new ConvError(
        `not a loaded table of the plan: ${unknown.join(', ')}`,
        'verify.unknown-table',
        ExitCode.usage,
        { table: unknown[0]! },
        'name source tables whose plan action is load (conv plan lists them)',
      );
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
    throw new ConvError(
      'verify mode keys compares given keys only: use verifyKeys',
      'verify.mode',
      ExitCode.usage,
      {},
    );
  }
  // Biggest tables first, so that the last one to finish is not a big one started late.
  const queue = [...tables].sort((a, b) => b.approxBytes - a.approxBytes);
  const results = new Map<string, TableVerifyResult>();
  const jobs = Math.max(1, Math.min(options.jobs ?? 2, queue.length || 1));
  const workers: Worker[] = [];
  let constraints: ConstraintProblem[] = [];
  try {
    for (let i = 0; i < jobs; i++) workers.push(await openWorker(options.mysqlUrl, options.pgUrl));
    const parents = await inheritanceParents(workers[0]!.pg);
    await Promise.all(
      workers.map(async (w) => {
        for (let table = queue.shift(); table; table = queue.shift()) {
          progress.start(table.source, { rows: table.approxRows });
          try {
            const r = await verifyTable(w, table, database, { ...settings, parents });
            results.set(table.source, r);
            progress.finish(table.source, r.sourceRows, 0);
          } catch (err) {
            queue.length = 0;
            throw queryError(err, table);
          }
        }
      }),
    );
    constraints = await checkConstraints(
      workers[0]!.pg,
      tables.map((t) => ({ schema: t.targetSchema, name: t.target })),
    );
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const ordered = tables.map((t) => results.get(t.source)!);
  const mismatched = ordered.filter((t) => !tableOk(t)).length;
  return {
    ok: mismatched === 0 && constraints.length === 0,
    constraints,
    mode,
    hashIn: settings.hashIn,
    chunkRows: settings.chunkRows,
    samplePercent: mode === 'sample' ? settings.samplePercent : null,
    tables: ordered,
    totals: {
      tables: ordered.length,
      sourceRows: ordered.reduce((s, t) => s + t.sourceRows, 0),
      targetRows: ordered.reduce((s, t) => s + t.targetRows, 0),
      mismatchedTables: mismatched,
    },
    ms: Date.now() - started,
  };
}
