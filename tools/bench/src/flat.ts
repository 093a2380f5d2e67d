// Memory stays flat: the same table shape at 1× and at N× the rows, each exported alone in a child process.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchResult } from './context.js';
import { exportInChild, planFor } from './export.js';
import { generateSource, shapeFor } from './generate.js';
import { mysqlDatabaseExists } from './mysql-admin.js';

export async function benchFlatMemory(
  ctx: BenchContext,
  options: { baseMb: number; scale: number; regenerate: boolean; outRoot: string },
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const factor of [1, options.scale]) {
    const mb = options.baseMb * factor;
    const db = `conv_bench_flat_${mb}`;
    if (options.regenerate || !(await mysqlDatabaseExists(ctx.mysqlUrl, db))) {
      await generateSource(ctx.mysqlUrl, db, shapeFor(mb, 'documents'), ctx.log);
    } else ctx.log(`reusing ${db}`);
    const plan = await planFor(ctx, db);
    const outDir = join(options.outRoot, 'flat');
    rmSync(join(outDir, 'bench', db), { recursive: true, force: true });
    const out = await exportInChild(ctx, plan, { sourceDb: db, outDir, jobs: 1, dirName: db });
    rmSync(join(outDir, 'bench', db), { recursive: true, force: true });
    results.push({
      name: `export one table ×${factor} (${(out.bytes / 1048576).toFixed(0)} MB)`,
      wallMs: out.wallMs,
      rows: out.rows,
      bytes: out.bytes,
      peakRssMb: out.peakRssMb,
    });
  }
  return results;
}
