// `pnpm bench --only window`: the maintenance window, every path against the write limit of the machine,
// in interleaved rounds on the same ≥ 1 GB Alkemio-shaped source:
//   raw read      mariadb --quick of the export's SELECTs to /dev/null
//   write limit   psql \copy of the ready-made CSV files into the indexed target
//   floor         the same \copy with the secondary indexes dropped first and built after (one transaction)
//   migrate       @conv/migrate (MySQL → COPY, no files)
//   import        @conv/pg-loader importDirectory of the export directory
//   run full      `conv run` (check → load → full verify), run counts: `--verify-mode counts`
// Each phase's conv process is sampled from /proc (CPU, peak RSS = VmHWM); PostgreSQL's CPU is the sum
// of the backends connected to the target database; MariaDB's is the whole server process (other
// sessions on a shared machine included: said next to the figures).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MANIFEST_FILE, type Manifest, quotePgIdent, quotePgQualified } from '@conv/core';
import { migrate } from '@conv/migrate';
import { importDirectory, pgLiteral } from '@conv/pg-loader';
import { deferrableIndexes } from '@conv/pg-loader/internal';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { BenchContext, BenchResult } from './context.js';
import { rawRead } from './raw.js';
import { resetTarget } from './reset-target.js';

const CHILD_FLAG = '--conv-window-child';
const ROUNDS = Number(process.env['CONV_BENCH_WINDOW_ROUNDS'] ?? 2);
/** Only these phases (comma-separated name prefixes, or `=name` for exactly one), e.g. `write limit,=migrate`. */
const ONLY = process.env['CONV_BENCH_WINDOW_PHASES']?.split(',').map((p) => p.trim());
const MIB = 1024 * 1024;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Sample {
  wallMs: number;
  /** conv's (or psql's / mariadb's) own process CPU. */
  cpuMs: number;
  peakRssMb: number;
  pgCpuMs: number | null;
  myCpuMs: number | null;
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(db)}`;
  return u.toString();
}

/** utime + stime (ms) and VmHWM (MB) of a process, or null once it is gone. */
function procStats(pid: number): { cpuMs: number; hwmMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return { cpuMs: (Number(f[11]) + Number(f[12])) * 10, hwmMb: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

async function mariadbPid(url: string): Promise<number | null> {
  const conn = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@pid_file AS f');
    return Number(readFileSync(String(rows[0]?.['f']), 'utf8').trim()) || null;
  } catch {
    return null;
  } finally {
    await conn.end();
  }
}

/** Runs a command and samples it, the target database's backends and MariaDB every 100 ms. */
async function measured(ctx: BenchContext, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const myPid = await mariadbPid(ctx.mysqlUrl);
  const myStart = myPid ? (procStats(myPid)?.cpuMs ?? null) : null;
  const client = new pg.Client({ connectionString: ctx.pgUrl });
  await client.connect();
  const backends = new Map<number, number>();
  let local = true;
  let proc = { cpuMs: 0, hwmMb: 0 };
  const began = process.hrtime.bigint();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  while (!finished) {
    const s = child.pid ? procStats(child.pid) : null;
    // A zombie's /proc entry has no VmHWM any more: keep the largest values seen.
    if (s) proc = { cpuMs: Math.max(proc.cpuMs, s.cpuMs), hwmMb: Math.max(proc.hwmMb, s.hwmMb) };
    const res = await client
      .query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [ctx.targetDb],
      )
      .catch(() => ({ rows: [] as { pid: number }[] }));
    for (const { pid } of res.rows) {
      const b = procStats(pid);
      if (b) backends.set(pid, b.cpuMs);
      else if (!backends.size) local = false;
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 100))]);
  }
  const code = await done;
  const wallMs = Number(process.hrtime.bigint() - began) / 1e6;
  await client.end();
  if (code !== 0)
    throw new Error(`${command} ${args[0] ?? ''} failed (${code}): ${stderr.trim().slice(-1500)}`);
  const myEnd = myPid ? (procStats(myPid)?.cpuMs ?? null) : null;
  const sample: Sample = {
    wallMs,
    cpuMs: proc.cpuMs,
    peakRssMb: proc.hwmMb,
    pgCpuMs: local && backends.size ? [...backends.values()].reduce((a, b) => a + b, 0) : null,
    myCpuMs: myStart !== null && myEnd !== null ? myEnd - myStart : null,
  };
  return { sample, stdout };
}

/** psql script of the write limit (indexes in place) or of the floor (dropped, loaded, rebuilt). */
async function psqlScript(ctx: BenchContext, url: string, tables: Manifest['tables'], floor: boolean) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const lines = ['\\set ON_ERROR_STOP on', 'BEGIN;'];
  try {
    lines.push(`TRUNCATE TABLE ${tables.map((t) => quotePgQualified('public', t.target)).join(', ')};`);
    for (const t of tables) {
      const indexes = floor ? await deferrableIndexes(client, 'public', t.target) : [];
      for (const i of indexes) lines.push(`DROP INDEX ${quotePgQualified('public', i.name)};`);
      lines.push(
        `\\copy ${quotePgQualified('public', t.target)} (${t.columns.map(quotePgIdent).join(', ')}) from ${pgLiteral(join(ctx.exportDir, t.file))} with (format csv, header true${floor ? ', freeze true' : ''})`,
      );
      for (const i of indexes) lines.push(`${i.definition};`);
    }
  } finally {
    await client.end();
  }
  lines.push('COMMIT;');
  const file = join(mkdtempSync(join(tmpdir(), 'conv-bench-window-')), floor ? 'floor.sql' : 'limit.sql');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const secs = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(1));

export async function benchWindow(ctx: BenchContext): Promise<BenchResult[]> {
  const url = withDb(ctx.pgUrl, ctx.targetDb);
  const srcUrl = withDb(ctx.mysqlUrl, ctx.sourceDb);
  const manifest = JSON.parse(readFileSync(join(ctx.exportDir, MANIFEST_FILE), 'utf8')) as Manifest;
  const loadSet = new Set(manifest.plan.tables.filter((t) => t.action === 'load').map((t) => t.source));
  const tables = manifest.tables.filter((t) => loadSet.has(t.table));
  const bytes = tables.reduce((s, t) => s + t.bytes, 0);
  const rows = tables.reduce((s, t) => s + t.rows, 0);
  const self = fileURLToPath(import.meta.url);
  const cli = join(repoRoot, 'apps/conv/dist/bin.js');
  const work = mkdtempSync(join(tmpdir(), 'conv-bench-run-'));
  const limitSql = await psqlScript(ctx, url, tables, false);
  const floorSql = await psqlScript(ctx, url, tables, true);
  const psqlEnv = { PGOPTIONS: '-c session_replication_role=replica' };

  type Phase = { name: string; load: boolean; run: () => Promise<{ sample: Sample }> };
  // Another build of the CLI (e.g. a worktree at the commit before a change), measured in the same
  // interleaved rounds: a before/after ratio that the machine's load does not skew.
  const baseline = process.env['CONV_BENCH_BASELINE_CLI'];
  const runArgs = (mode: string, n: number, via = 'migrate', bin = cli) => [
    bin,
    'run',
    '--mysql-url',
    srcUrl,
    '--pg-url',
    url,
    '--out-dir',
    join(work, `out_${mode}_${n}`),
    '--log-file',
    join(work, 'migration_log.json'),
    '--verify-mode',
    mode,
    '--via',
    via,
    '--quiet',
  ];
  let n = 0;
  const phases: Phase[] = [
    {
      name: 'raw read (mariadb --quick)',
      load: false,
      run: async () => {
        const began = Date.now();
        await rawRead(ctx.mysqlUrl, ctx.sourceDb, manifest.plan);
        return {
          sample: { wallMs: Date.now() - began, cpuMs: 0, peakRssMb: 0, pgCpuMs: null, myCpuMs: null },
        };
      },
    },
    {
      name: 'write limit (psql \\copy, indexed)',
      load: true,
      run: () => measured(ctx, 'psql', ['-X', '-q', '-d', url, '-f', limitSql], psqlEnv),
    },
    {
      name: 'floor (COPY no index + build)',
      load: true,
      run: () => measured(ctx, 'psql', ['-X', '-q', '-d', url, '-f', floorSql], psqlEnv),
    },
    {
      name: 'migrate',
      load: true,
      run: () =>
        measured(ctx, process.execPath, [
          self,
          CHILD_FLAG,
          JSON.stringify({ kind: 'migrate', srcUrl, url, out: join(work, `m${++n}`) }),
        ]),
    },
    {
      name: 'migrate --keep-csv',
      load: true,
      run: () =>
        measured(ctx, process.execPath, [
          self,
          CHILD_FLAG,
          JSON.stringify({ kind: 'migrate', srcUrl, url, out: join(work, `k${++n}`), keepCsv: true }),
        ]),
    },
    // Whether loading tables at once on several PostgreSQL connections pays on this machine, whole tables
    // only (splitting switched off) …
    ...[1, 2].map((jobs) => ({
      name: `migrate per-table --jobs ${jobs}`,
      load: true,
      run: () =>
        measured(ctx, process.execPath, [
          self,
          CHILD_FLAG,
          JSON.stringify({ kind: 'migrate', srcUrl, url, out: join(work, `p${++n}`), perTableJobs: jobs }),
        ]),
    })),
    // … and with the largest table (documents, 60 %) cut into primary-key ranges loaded side by side.
    {
      name: 'migrate per-table --jobs 2, split',
      load: true,
      run: () =>
        measured(ctx, process.execPath, [
          self,
          CHILD_FLAG,
          JSON.stringify({
            kind: 'migrate',
            srcUrl,
            url,
            out: join(work, `s${++n}`),
            perTableJobs: 2,
            split: true,
          }),
        ]),
    },
    {
      name: 'import (export directory)',
      load: true,
      run: () =>
        measured(ctx, process.execPath, [
          self,
          CHILD_FLAG,
          JSON.stringify({ kind: 'import', url, dir: ctx.exportDir }),
        ]),
    },
    {
      name: 'run (full verify)',
      load: true,
      run: () => measured(ctx, process.execPath, runArgs('full', ++n)),
    },
    {
      name: 'run --via export-import (full verify)',
      load: true,
      run: () => measured(ctx, process.execPath, runArgs('full', ++n, 'export-import')),
    },
    ...(baseline
      ? [
          {
            name: 'run (full verify) [baseline build]',
            load: true,
            run: () => measured(ctx, process.execPath, runArgs('full', ++n, 'migrate', baseline)),
          },
        ]
      : []),
    {
      name: 'run (counts only)',
      load: true,
      run: () => measured(ctx, process.execPath, runArgs('counts', ++n)),
    },
  ];
  const chosen = phases.filter(
    (p) => !ONLY || ONLY.some((o) => (o.startsWith('=') ? p.name === o.slice(1) : p.name.startsWith(o))),
  );
  const samples = new Map<string, Sample[]>(chosen.map((p) => [p.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const phase of chosen) {
      ctx.log(`window round ${round}/${ROUNDS}: ${phase.name} …`);
      if (phase.load) await resetTarget(url, tables);
      try {
        const { sample } = await phase.run();
        samples.get(phase.name)!.push(sample);
        // Every phase's figures as soon as it ends: a later failure on a shared machine loses nothing.
        ctx.log(
          `  ${secs(sample.wallMs)} s wall; conv CPU ${secs(sample.cpuMs)} s, PG CPU ${secs(sample.pgCpuMs)} s, MariaDB CPU ${secs(sample.myCpuMs)} s, peak RSS ${sample.peakRssMb.toFixed(0)} MB`,
        );
      } catch (err) {
        ctx.log(`  FAILED: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  const measuredPhases = chosen.filter((p) => samples.get(p.name)!.length > 0);
  const best = (name: string) => samples.get(name)!.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const limitName = 'write limit (psql \\copy, indexed)';
  if (!samples.get(limitName)?.length) {
    ctx.log('window: no write-limit figure measured, no ratios');
    return [];
  }
  const limit = best(limitName);
  const lines = [
    `window bench: ${tables.length} tables, ${rows} rows, ${(bytes / MIB).toFixed(0)} MB of CSV; fastest of ${ROUNDS} interleaved round(s) per phase; ratios to the write limit (${secs(limit.wallMs)} s)`,
    'phase                                  wall s   ×limit   conv CPU s   PG CPU s   MariaDB CPU s   peak RSS MB   all rounds',
  ];
  for (const phase of measuredPhases) {
    const s = best(phase.name);
    lines.push(
      [
        phase.name.padEnd(38),
        secs(s.wallMs).padStart(7),
        `${(s.wallMs / limit.wallMs).toFixed(2)}×`.padStart(8),
        secs(s.cpuMs).padStart(12),
        secs(s.pgCpuMs).padStart(10),
        secs(s.myCpuMs).padStart(15),
        s.peakRssMb.toFixed(0).padStart(13),
        `  ${samples
          .get(phase.name)!
          .map((x) => secs(x.wallMs))
          .join(', ')}`,
      ].join(' '),
    );
  }
  return [
    {
      name: 'window: migrate',
      wallMs: samples.get('migrate')?.length ? best('migrate').wallMs : 0,
      rows,
      bytes,
      peakRssMb: samples.get('migrate')?.length ? best('migrate').peakRssMb : 0,
      rawMs: limit.wallMs,
      rawLabel: 'psql \\copy of the ready-made files into the indexed target (the write limit)',
      notes: [
        ...lines,
        'conv CPU / peak RSS: the conv (or psql) process itself; for run: the CLI process. PG CPU: every backend on the target database. MariaDB CPU: the whole mariadbd process (on a shared machine, other sessions included).',
      ],
    },
  ];
}

/** Child side: one migrate or import, nothing printed but errors. */
async function childMain(job: {
  kind: 'migrate' | 'import';
  srcUrl?: string;
  url: string;
  out?: string;
  dir?: string;
  keepCsv?: boolean;
  /** per-table mode with this many PostgreSQL connections (tables loaded at once). */
  perTableJobs?: number;
  /** Large tables in key ranges (the default rule); otherwise splitting is off, whole tables only. */
  split?: boolean;
}): Promise<void> {
  if (job.kind === 'import') {
    await importDirectory({ pgUrl: job.url, dir: job.dir! });
    return;
  }
  const { introspectMysql, introspectPg, planMigration } = await import('@conv/schema-introspect');
  const plan = planMigration(await introspectMysql(job.srcUrl!), await introspectPg(job.url));
  await migrate({
    mysqlUrl: job.srcUrl!,
    pgUrl: job.url,
    plan,
    outDir: job.out!,
    app: 'bench',
    ...(job.keepCsv ? { keepCsv: true } : {}),
    ...(job.perTableJobs ? { mode: 'per-table' as const, jobs: job.perTableJobs } : {}),
    ...(job.split ? {} : { splitMinMb: Number.MAX_SAFE_INTEGER }),
  });
}

if (
  process.argv[2] === CHILD_FLAG &&
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  childMain(JSON.parse(process.argv[3]!)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
