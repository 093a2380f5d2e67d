// The import benchmark: `psql \copy` of the export's files into the target schema (the raw limit of the
// machine), then importDirectory of the same directory into the same (truncated) schema, in the same run.
// The loader runs in a child process (this very file, with --conv-import-child) so its peak RSS and CPU
// are its own. PostgreSQL's CPU is read from /proc (postmaster + its children, reaped ones included).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProgress, MANIFEST_FILE, type Manifest, quotePgIdent, quotePgQualified } from '@conv/core';
import { type ImportMode, type ImportResult, importDirectory, pgLiteral } from '@conv/pg-loader';
import pg from 'pg';
import type { BenchContext, BenchResult } from './context.js';

const MIB = 1024 * 1024;
const CHILD_FLAG = '--conv-import-child';

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

/** CPU ms of the PostgreSQL server so far: postmaster (own + reaped children) + live children. */
function pgServerCpuMs(postmaster: number): number {
  const tick = 10; // USER_HZ = 100 on Linux
  const stat = (pid: string) => {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return text.slice(text.lastIndexOf(')') + 2).split(' ');
    } catch {
      return null; // exited meanwhile
    }
  };
  let total = 0;
  const own = stat(String(postmaster));
  // Fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  if (own) total += (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * tick;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const f = stat(pid);
    if (f && Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) * tick;
  }
  return total;
}

async function postmasterPid(url: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const text = readFileSync(`/proc/${res.rows[0]!.pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null; // server on another machine or in a container: CPU not measured
  } finally {
    await client.end();
  }
}

/** Flush the previous phase's dirty pages and WAL so they are not billed to the next one (superuser). */
async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } catch {
    // not a superuser: measured without it
  } finally {
    await client.end();
  }
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
  });
  if (proc.code !== 0) throw new Error(`psql \\copy failed: ${proc.stderr.trim().slice(-2000)}`);
  return proc;
}

async function loaderInChild(ctx: BenchContext, url: string, mode: ImportMode): Promise<ChildOutput> {
  const job = join(mkdtempSync(join(tmpdir(), 'conv-bench-import-')), 'job.json');
  writeFileSync(job, JSON.stringify({ pgUrl: url, dir: ctx.exportDir, mode }));
  const self = fileURLToPath(import.meta.url);
  const proc = await run(process.execPath, [self, CHILD_FLAG, job], {}, (l) => ctx.log(`  ${l}`));
  if (proc.code !== 0)
    throw new Error(`import child failed (${proc.code}): ${proc.stderr.trim().slice(-2000)}`);
  const out = JSON.parse(proc.stdout.trim().split('\n').pop()!) as ChildOutput;
  // The process wall time (node start and module loading included), not only the call: the honest figure.
  return { ...out, wallMs: proc.wallMs, callMs: out.wallMs };
}

export async function benchImport(ctx: BenchContext): Promise<BenchResult> {
  const url = targetUrl(ctx);
  const manifest = JSON.parse(readFileSync(join(ctx.exportDir, MANIFEST_FILE), 'utf8')) as Manifest;
  const tables = await loadTables(url, manifest);
  const bytes = tables.reduce((s, t) => s + t.bytes, 0);
  const rows = tables.reduce((s, t) => s + t.rows, 0);
  const postmaster = await postmasterPid(url);
  const cpu = () => (postmaster ? pgServerCpuMs(postmaster) : 0);

  ctx.log(
    `raw limit: psql \\copy of ${tables.length} files (${(bytes / MIB).toFixed(0)} MB) into ${ctx.targetDb} …`,
  );
  await checkpoint(url);
  const pgCpu0 = cpu();
  const raw = await psqlCopy(ctx, url, tables);
  const rawPgCpu = cpu() - pgCpu0;

  // per-table first (commits like psql does), the default single transaction last: it is what the
  // verify step finds in the target afterwards.
  ctx.log(`importDirectory --per-table of the same files into the same schema (child process) …`);
  await checkpoint(url);
  const perTable = await loaderInChild(ctx, url, 'per-table');
  ctx.log(`importDirectory (one transaction, the default) of the same files (child process) …`);
  await checkpoint(url);
  const pgCpu1 = cpu();
  const child = await loaderInChild(ctx, url, 'single-transaction');
  const loaderPgCpu = cpu() - pgCpu1;
  const loaded = child.result.loaded;
  const copyMs = loaded.reduce((s, t) => s + t.ms, 0);
  const ratio = child.wallMs / raw.wallMs;
  const notes = [
    `import ${(bytes / MIB / (child.wallMs / 1000)).toFixed(1)} MB/s, ${Math.round(rows / (child.wallMs / 1000))} rows/s; psql \\copy ${(bytes / MIB / (raw.wallMs / 1000)).toFixed(1)} MB/s → ratio ${ratio.toFixed(2)}× (target ≤ 1.10×: ${ratio <= 1.1 ? 'met' : 'NOT met'})`,
    `peak RSS ${child.peakRssMb.toFixed(0)} MB (target ≤ 200 MB: ${child.peakRssMb <= 200 ? 'met' : 'NOT met'})`,
    `loader process ${(child.wallMs / 1000).toFixed(1)} s, of which importDirectory() ${((child.callMs ?? child.wallMs) / 1000).toFixed(1)} s; COPY ${(copyMs / 1000).toFixed(1)} s; validation (size + header + sha256 of every file), FK checks, sequences, commit: ${((child.wallMs - copyMs) / 1000).toFixed(1)} s`,
    postmaster
      ? `CPU: loader ${(child.cpuMs / 1000).toFixed(1)} s vs PostgreSQL ${(loaderPgCpu / 1000).toFixed(1)} s during the import (${((100 * child.cpuMs) / Math.max(1, loaderPgCpu)).toFixed(0)}%); PostgreSQL ${(rawPgCpu / 1000).toFixed(1)} s during psql \\copy`
      : 'CPU of PostgreSQL not measured (server not local)',
    `per-table mode: ${(perTable.wallMs / 1000).toFixed(1)} s → ratio ${(perTable.wallMs / raw.wallMs).toFixed(2)}× (peak RSS ${perTable.peakRssMb.toFixed(0)} MB)`,
    `strategy ${child.result.strategy}; ${loaded.length} tables loaded, ${child.result.skipped.length} skipped; raw psql ran with session_replication_role=replica, no FK check`,
  ];
  return {
    name: 'import (importDirectory)',
    wallMs: child.wallMs,
    rows: loaded.reduce((s, t) => s + t.rows, 0),
    bytes: loaded.reduce((s, t) => s + t.bytes, 0),
    peakRssMb: child.peakRssMb,
    rawMs: raw.wallMs,
    rawLabel: `psql -f (\\copy … from 'file' csv header per file) of the same ${tables.length} files into the same truncated schema`,
    notes,
  };
}

/** Child side: one import, its figures as one JSON line on stdout. */
async function childMain(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as { pgUrl: string; dir: string; mode: ImportMode };
  const progress = createProgress({ tty: false, stream: process.stderr, intervalMs: 5000, label: 'import' });
  const began = process.hrtime.bigint();
  const result = await importDirectory({ pgUrl: job.pgUrl, dir: job.dir, mode: job.mode, progress });
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
