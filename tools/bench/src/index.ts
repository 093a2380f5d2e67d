// `pnpm bench` — conv against the raw limits of this machine. Never part of `pnpm test`.
//   --size-mb N      size of the synthetic source database (default 1000)
//   --only STEP      export | import | verify | flat | window (default: all but window)
//   --jobs N         export connections (default 2)
//   --flat-mb N      base size of the flat-memory check (default 50), exported at 1× and --scale ×
//   --scale N        (default 10)
//   --regenerate     rebuild the synthetic databases even if they exist
//   --skip-flat      leave out the flat-memory check
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchContext, BenchResult } from './context.js';
import { benchExport } from './export.js';
import { benchFlatMemory } from './flat.js';
import { createTarget, generateSource, shapeFor, sourceBytes } from './generate.js';
import { fmt, MB } from './measure.js';
import { mysqlDatabaseExists } from './mysql-admin.js';
import { benchWindow } from './window.js';

const { values } = parseArgs({
  // `pnpm bench -- --size-mb 200` passes the `--` on (pnpm 10): it is not an argument.
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
  options: {
    'size-mb': { type: 'string', default: '1000' },
    only: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    'flat-mb': { type: 'string', default: '50' },
    scale: { type: 'string', default: '10' },
    regenerate: { type: 'boolean', default: false },
    'skip-flat': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  // The usage text is the comment block at the top of this file.
  process.stdout.write(
    'pnpm bench [--size-mb N] [--only export|import|verify|flat|window] [--jobs N] [--flat-mb N] [--scale N] [--regenerate] [--skip-flat]\n',
  );
  process.exit(0);
}

const sizeMb = Number(values['size-mb']);
const only = values.only;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const outRoot = join(repoRoot, 'bench-out');

const ctx: BenchContext = {
  mysqlUrl: process.env['CONV_BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/',
  pgUrl: process.env['CONV_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  sourceDb: `conv_bench_src_${sizeMb}`,
  targetDb: `conv_bench_tgt_${sizeMb}`,
  exportDir: join(outRoot, 'exports', 'bench', `size_${sizeMb}`),
  sizeMb,
  log: (line) => process.stderr.write(`[bench] ${line}\n`),
};

/** A step another engineer adds (src/import.ts, src/verify.ts): loaded when its build is there. */
async function optionalStep(
  file: string,
  fn: string,
): Promise<((c: BenchContext) => Promise<BenchResult>) | null> {
  const url = new URL(`./${file}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) return null;
  const mod = (await import(url.href)) as Record<string, unknown>;
  return typeof mod[fn] === 'function' ? (mod[fn] as (c: BenchContext) => Promise<BenchResult>) : null;
}

function printResults(results: BenchResult[]): void {
  const lines = [
    '',
    `conv bench — ${sizeMb} MB synthetic database (${ctx.sourceDb} → ${ctx.targetDb})`,
    'step                                   wall s    rows        MB      MB/s     rows/s   peak RSS MB   raw s   ×raw',
  ];
  for (const r of results) {
    const s = r.wallMs / 1000;
    lines.push(
      [
        r.name.padEnd(38),
        fmt(s).padStart(7),
        String(r.rows).padStart(10),
        fmt(r.bytes / MB).padStart(9),
        fmt(r.bytes / MB / s).padStart(9),
        fmt(r.rows / s, 0).padStart(10),
        fmt(r.peakRssMb).padStart(13),
        (r.rawMs ? fmt(r.rawMs / 1000) : '-').padStart(7),
        (r.rawMs ? `${fmt(r.wallMs / r.rawMs, 2)}×` : '-').padStart(7),
      ].join(' '),
    );
    if (r.rawLabel) lines.push(`    raw = ${r.rawLabel}`);
    for (const note of r.notes ?? []) lines.push(`    note: ${note}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const results: BenchResult[] = [];
  const want = (step: string) => !only || only === step;

  if (values.regenerate || !(await mysqlDatabaseExists(ctx.mysqlUrl, ctx.sourceDb))) {
    ctx.log(`generating ${ctx.sourceDb} (~${sizeMb} MB) …`);
    await generateSource(ctx.mysqlUrl, ctx.sourceDb, shapeFor(sizeMb), ctx.log);
  } else ctx.log(`reusing ${ctx.sourceDb} (--regenerate to rebuild)`);
  ctx.log(
    `source data: ${fmt((await sourceBytes(ctx.mysqlUrl, ctx.sourceDb)) / MB, 0)} MB (InnoDB data length)`,
  );
  await createTarget(ctx.pgUrl, ctx.targetDb);

  if (
    want('export') ||
    (!existsSync(join(ctx.exportDir, 'migration_manifest.json')) &&
      (want('import') || want('verify') || only === 'window'))
  ) {
    rmSync(ctx.exportDir, { recursive: true, force: true });
    results.push(await benchExport(ctx, Number(values.jobs)));
  }
  if (want('import')) {
    const step = await optionalStep('import.js', 'benchImport');
    if (step) results.push(await step(ctx));
    else if (only === 'import') ctx.log('no import step yet (tools/bench/src/import.ts)');
  }
  if (want('verify')) {
    const step = await optionalStep('verify.js', 'benchVerify');
    if (step) results.push(await step(ctx));
    else if (only === 'verify') ctx.log('no verify step yet (tools/bench/src/verify.ts)');
  }
  // The maintenance window (migrate, import, run against the write limit): only when asked, it is long.
  if (only === 'window') results.push(...(await benchWindow(ctx)));
  if (!values['skip-flat'] && (!only || only === 'flat' || only === 'export')) {
    results.push(
      ...(await benchFlatMemory(ctx, {
        baseMb: Number(values['flat-mb']),
        scale: Number(values.scale),
        regenerate: values.regenerate ?? false,
        outRoot,
      })),
    );
  }
  printResults(results);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
