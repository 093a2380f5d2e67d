// The import benchmark: `psql \copy` of the export's files into the target schema (the raw limit of the
// machine), then importDirectory of the same directory into the same (truncated) schema, in the same run.
// The loader runs in a child process (this very file, with --conv-import-child) so its peak RSS and CPU
// are its own. The CPU of each phase's PostgreSQL backend is sampled from /proc (local server only).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProgress } from '@conv/cli';
import { MANIFEST_FILE, type Manifest, quotePgIdent, quotePgQualified } from '@conv/core';
import {
  type ContentCheck,
  type ImportMode,
  type ImportResult,
  importDirectory,
  pgLiteral,
} from '@conv/pg-loader';
import pg from 'pg';
import type { BenchContext, BenchResult } from './context.js';
import { resetTarget } from './reset-target.js';

const MIB = 1024 * 1024;
const CHILD_FLAG = '--conv-import-child';
const PSQL_APP = 'conv bench psql';
/** The loader's own application_name (see @conv/pg-loader). */
const LOADER_APP = 'conv import';
/** Interleaved rounds of (psql, loader); the fastest of each is kept (noise on a shared machine only adds). */
const ROUNDS = Number(process.env['CONV_BENCH_IMPORT_ROUNDS'] ?? 2);

interface ChildOutput {
  wallMs: number;
  /** importDirectory() alone, without node start-up. */
  callMs?: number;
  cpuMs: number;
  peakRssMb: number;
  result: ImportResult;
}

function targetUrl(ctx: BenchContext): string {
  const u = new URL(ctx.pgUrl);
  u.pathname = `/${encodeURIComponent(ctx.targetDb)}`;
  return u.toString();
}

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderr?: (line: string) => void,
): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const began = process.hrtime.bigint();
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (onStderr) for (const line of d.split('\n')) if (line.trim()) onStderr(line);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, wallMs: Number(process.hrtime.bigint() - began) / 1e6 }),
    );
  });
}

/** utime + stime of a process in ms, or null when it is gone (or not on this machine). */
function processCpuMs(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ = 100
  } catch {
    return null;
  }
}

/**
 * CPU of the PostgreSQL backend(s) serving one application_name, sampled every 200 ms from /proc while
 * a phase runs (the last sample before a backend exits is kept). Only that session's CPU: the other
 * sessions of a shared machine are not billed to it.
 */
function sampleBackendCpu(url: string, appName: string): { stop(): Promise<number | null> } {
  const client = new pg.Client({ connectionString: url });
  const seen = new Map<number, number>();
  let local = true;
  let timer: NodeJS.Timeout | undefined;
  const ready = client.connect().then(() => {
    const tick = async () => {
      const res = await client
        .query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [appName])
        .catch(() => ({ rows: [] as { pid: number }[] }));
      for (const { pid } of res.rows) {
        const ms = processCpuMs(pid);
        if (ms === null) local = seen.size > 0;
        else seen.set(pid, ms);
      }
      timer = setTimeout(tick, 200);
    };
    void tick();
  });
  return {
    async stop() {
      await ready;
      clearTimeout(timer);
      await client.end();
      return local && seen.size ? [...seen.values()].reduce((a, b) => a + b, 0) : null;
    },
  };
}

/** Manifest tables the loader will load: `load` in the plan and present in the target. */
async function loadTables(url: string, manifest: Manifest): Promise<Manifest['tables']> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ t: string }>(
      `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`,
    );
    const present = new Set(res.rows.map((r) => r.t));
    const load = new Set(manifest.plan.tables.filter((t) => t.action === 'load').map((t) => t.source));
    return manifest.tables.filter((t) => load.has(t.table) && present.has(t.target));
  } finally {
    await client.end();
  }
}

/** The raw limit: one psql session, one TRUNCATE, then `\copy … from 'file' csv header` per file. */
async function psqlCopy(ctx: BenchContext, url: string, tables: Manifest['tables']): Promise<Proc> {
  const lines = [
    '\\set ON_ERROR_STOP on',
    `TRUNCATE TABLE ${tables.map((t) => quotePgQualified('public', t.target)).join(', ')};`,
    ...tables.map(
      (t) =>
        `\\copy ${quotePgQualified('public', t.target)} (${t.columns.map(quotePgIdent).join(', ')}) from ${pgLiteral(join(ctx.exportDir, t.file))} with (format csv, header true)`,
    ),
  ];
  const script = join(mkdtempSync(join(tmpdir(), 'conv-bench-psql-')), 'copy.sql');
  writeFileSync(script, `${lines.join('\n')}\n`);
  // Foreign keys off for psql as for the loader's replica strategy (the bench connects as a superuser).
  const proc = await run('psql', ['-X', '-q', '-d', url, '-f', script], {
    PGOPTIONS: '-c session_replication_role=replica',
    PGAPPNAME: PSQL_APP,
  });
  if (proc.code !== 0) throw new Error(`psql \\copy failed: ${proc.stderr.trim().slice(-2000)}`);
  return proc;
}

async function loaderInChild(
  ctx: BenchContext,
  url: string,
  mode: ImportMode,
  contentCheck: ContentCheck = 'before-load',
): Promise<ChildOutput> {
  const job = join(mkdtempSync(join(tmpdir(), 'conv-bench-import-')), 'job.json');
  writeFileSync(job, JSON.stringify({ pgUrl: url, dir: ctx.exportDir, mode, contentCheck }));
  const self = fileURLToPath(import.meta.url);
  const proc = await run(process.execPath, [self, CHILD_FLAG, job], {}, (l) => ctx.log(`  ${l}`));
  if (proc.code !== 0)
    throw new Error(`import child failed (${proc.code}): ${proc.stderr.trim().slice(-2000)}`);
  const out = JSON.parse(proc.stdout.trim().split('\n').pop()!) as ChildOutput;
  // The process wall time (node start and module loading included), not only the call: the honest figure.
  return { ...out, wallMs: proc.wallMs, callMs: out.wallMs };
}

interface Measured<T> {
  value: T;
  wallMs: number;
  pgCpuMs: number | null;
}

async function measure<T extends { wallMs: number }>(
  url: string,
  app: string,
  fn: () => Promise<T>,
): Promise<Measured<T>> {
  const cpu = sampleBackendCpu(url, app);
  const value = await fn();
  return { value, wallMs: value.wallMs, pgCpuMs: await cpu.stop() };
}

const fastest = <T extends { wallMs: number }>(xs: T[]): T =>
  xs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function benchImport(ctx: BenchContext): Promise<BenchResult> {
  const url = targetUrl(ctx);
  const manifest = JSON.parse(readFileSync(join(ctx.exportDir, MANIFEST_FILE), 'utf8')) as Manifest;
  const tables = await loadTables(url, manifest);
  const bytes = tables.reduce((s, t) => s + t.bytes, 0);
  const rows = tables.reduce((s, t) => s + t.rows, 0);

  const raws: Measured<Proc>[] = [];
  const loads: Measured<ChildOutput>[] = [];
  ctx.log(`per-table mode: importDirectory of ${tables.length} files (${(bytes / MIB).toFixed(0)} MB) …`);
  await resetTarget(url, tables);
  const perTable = await loaderInChild(ctx, url, 'per-table');
  ctx.log('contentCheck while-loading: sha256 computed as the bytes stream into COPY …');
  await resetTarget(url, tables);
  const whileLoading = await loaderInChild(ctx, url, 'single-transaction', 'while-loading');
  // psql then the loader, ROUNDS times; the loader runs last, so the verify step finds its result.
  for (let round = 1; round <= ROUNDS; round++) {
    ctx.log(`round ${round}/${ROUNDS}: raw limit, psql \\copy of the same files …`);
    await resetTarget(url, tables);
    raws.push(await measure(url, PSQL_APP, () => psqlCopy(ctx, url, tables)));
    ctx.log(`round ${round}/${ROUNDS}: importDirectory (one transaction, the default) …`);
    await resetTarget(url, tables);
    loads.push(await measure(url, LOADER_APP, () => loaderInChild(ctx, url, 'single-transaction')));
  }
  const raw = fastest(raws);
  const load = fastest(loads);
  const child = load.value;
  const loaded = child.result.loaded;
  const copyMs = loaded.reduce((s, t) => s + t.ms, 0);
  const ratio = load.wallMs / raw.wallMs;
  const peakRss = Math.max(
    ...loads.map((l) => l.value.peakRssMb),
    perTable.peakRssMb,
    whileLoading.peakRssMb,
  );
  const notes = [
    `import ${(bytes / MIB / (load.wallMs / 1000)).toFixed(1)} MB/s, ${Math.round(rows / (load.wallMs / 1000))} rows/s; psql \\copy ${(bytes / MIB / (raw.wallMs / 1000)).toFixed(1)} MB/s, ${Math.round(rows / (raw.wallMs / 1000))} rows/s → ratio ${ratio.toFixed(2)}× (target ≤ 1.10×: ${ratio <= 1.1 ? 'met' : 'NOT met'})`,
    `fastest of ${ROUNDS} interleaved rounds; all rounds: psql ${raws.map((r) => secs(r.wallMs)).join(', ')}; loader ${loads.map((l) => secs(l.wallMs)).join(', ')}`,
    `peak RSS ${peakRss.toFixed(0)} MB over every loader run (target ≤ 200 MB: ${peakRss <= 200 ? 'met' : 'NOT met'})`,
    `loader process ${secs(load.wallMs)} (node start-up included), importDirectory() ${secs(child.callMs ?? child.wallMs)}: COPY ${secs(copyMs)}; validation (size + header + sha256 of every file), FK checks, sequences, commit ${secs(load.wallMs - copyMs)}`,
    load.pgCpuMs !== null && raw.pgCpuMs !== null
      ? `CPU: loader process ${secs(child.cpuMs)} vs its PostgreSQL backend ${secs(load.pgCpuMs)} (${((100 * child.cpuMs) / Math.max(1, load.pgCpuMs)).toFixed(0)}%); psql's backend ${secs(raw.pgCpuMs)}`
      : `CPU: loader process ${secs(child.cpuMs)}; PostgreSQL backend CPU not measured (server not on this machine)`,
    `contentCheck 'while-loading' (hash during COPY, checked before COMMIT, one read per file): ${secs(whileLoading.wallMs)} → ${(whileLoading.wallMs / raw.wallMs).toFixed(2)}× the fastest psql`,
    `per-table mode (commit per table, resumable): ${secs(perTable.wallMs)} → ${(perTable.wallMs / raw.wallMs).toFixed(2)}× the fastest psql`,
    `strategy ${child.result.strategy} (post-load FK anti-join checks included); ${loaded.length} tables loaded, ${child.result.skipped.length} skipped; psql ran with session_replication_role=replica and no FK check; every phase starts from truncated tables after a CHECKPOINT`,
  ];
  return {
    name: 'import (importDirectory)',
    wallMs: load.wallMs,
    rows: loaded.reduce((s, t) => s + t.rows, 0),
    bytes: loaded.reduce((s, t) => s + t.bytes, 0),
    peakRssMb: peakRss,
    rawMs: raw.wallMs,
    rawLabel: `psql -f (\\copy … from 'file' csv header per file) of the same ${tables.length} files into the same truncated schema`,
    notes,
  };
}

/** Child side: one import, its figures as one JSON line on stdout. */
async function childMain(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as {
    pgUrl: string;
    dir: string;
    mode: ImportMode;
    contentCheck: ContentCheck;
  };
  const progress = createProgress({ tty: false, stream: process.stderr, intervalMs: 5000, label: 'import' });
  const began = process.hrtime.bigint();
  const result = await importDirectory({
    pgUrl: job.pgUrl,
    dir: job.dir,
    mode: job.mode,
    contentCheck: job.contentCheck,
    progress,
  });
  const wallMs = Number(process.hrtime.bigint() - began) / 1e6;
  const usage = process.resourceUsage();
  const out: ChildOutput = {
    wallMs,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    peakRssMb: usage.maxRSS / 1024,
    result,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (
  process.argv[2] === CHILD_FLAG &&
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  childMain(process.argv[3]!).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
