import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationPlan } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import type { BenchContext, BenchResult } from './context.js';
import { runTimed } from './measure.js';
import { withDb } from './mysql-admin.js';
import { rawRead } from './raw.js';

export async function planFor(ctx: BenchContext, sourceDb = ctx.sourceDb): Promise<MigrationPlan> {
  const targetUrl = new URL(ctx.pgUrl);
  targetUrl.pathname = `/${ctx.targetDb}`;
  return planMigration(
    await introspectMysql(withDb(ctx.mysqlUrl, sourceDb)),
    await introspectPg(targetUrl.toString()),
  );
}

export interface ChildExport {
  wallMs: number;
  dir: string;
  rows: number;
  bytes: number;
  peakRssMb: number;
  notes: string[];
}

/** Exports in a child process (its own peak RSS), returns what it measured. */
export async function exportInChild(
  ctx: BenchContext,
  plan: MigrationPlan,
  options: { sourceDb: string; outDir: string; jobs: number; dirName: string },
): Promise<ChildExport> {
  const work = mkdtempSync(join(tmpdir(), 'conv-bench-'));
  const planFile = join(work, 'plan.json');
  const jobFile = join(work, 'job.json');
  writeFileSync(planFile, JSON.stringify(plan));
  writeFileSync(
    jobFile,
    JSON.stringify({
      mysqlUrl: withDb(ctx.mysqlUrl, options.sourceDb),
      planFile,
      outDir: options.outDir,
      app: 'bench',
      jobs: options.jobs,
      dirName: options.dirName,
    }),
  );
  const child = join(dirname(fileURLToPath(import.meta.url)), 'export-child.js');
  const run = await runTimed(process.execPath, [child, jobFile], {
    onStderr: (l) => ctx.log(`  ${l}`),
  }).finally(() => rmSync(work, { recursive: true, force: true }));
  if (run.code !== 0) throw new Error(`export child failed (${run.code}): ${run.stderr.trim().slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildExport;
}

/** The export benchmark: raw read of the same SELECTs, then the export, same data, same run. */
export async function benchExport(ctx: BenchContext, jobs: number): Promise<BenchResult> {
  const plan = await planFor(ctx);
  ctx.log(`raw read: mariadb --quick --batch of ${plan.tables.length} tables to /dev/null …`);
  const rawBefore = await rawRead(ctx.mysqlUrl, ctx.sourceDb, plan);
  ctx.log(`raw read: ${(rawBefore / 1000).toFixed(1)} s`);
  ctx.log(`export (--jobs ${jobs}) in a child process …`);
  const out = await exportInChild(ctx, plan, {
    sourceDb: ctx.sourceDb,
    outDir: dirname(dirname(ctx.exportDir)),
    jobs,
    dirName: ctx.exportDir.split(/[/\\]/).pop()!,
  });
  // The machine is shared: read raw again after the export and compare with the faster of the two
  // (the ratio can only look worse for it, never better).
  const rawAfter = await rawRead(ctx.mysqlUrl, ctx.sourceDb, plan);
  ctx.log(`raw read again: ${(rawAfter / 1000).toFixed(1)} s`);
  const rawMs = Math.min(rawBefore, rawAfter);
  out.notes.push(
    `raw read before/after the export: ${(rawBefore / 1000).toFixed(1)} s / ${(rawAfter / 1000).toFixed(1)} s`,
  );
  return {
    name: `export (--jobs ${jobs})`,
    wallMs: out.wallMs,
    rows: out.rows,
    bytes: out.bytes,
    peakRssMb: out.peakRssMb,
    rawMs,
    rawLabel: 'mariadb --quick --batch > /dev/null (faster of a run before and after the export)',
    notes: out.notes,
  };
}
