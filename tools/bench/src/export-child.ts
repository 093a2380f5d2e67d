// Runs one export in its own process so that its peak RSS is the export's alone.
// Usage: node export-child.js <job.json>; prints one JSON line with the result on stdout.
import { readFileSync } from 'node:fs';
import { createProgress } from '@conv/cli';
import type { MigrationPlan } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';

interface Job {
  mysqlUrl: string;
  planFile: string;
  outDir: string;
  app: string;
  jobs: number;
  dirName?: string;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job;
const plan = JSON.parse(readFileSync(job.planFile, 'utf8')) as MigrationPlan;
const progress = createProgress({ tty: false, stream: process.stderr, intervalMs: 5000, label: 'export' });
const began = process.hrtime.bigint();
const result = await exportDatabase({
  mysqlUrl: job.mysqlUrl,
  plan,
  outDir: job.outDir,
  app: job.app,
  jobs: job.jobs,
  dirName: job.dirName,
  progress,
});
const wallMs = Number(process.hrtime.bigint() - began) / 1e6;
process.stdout.write(
  `${JSON.stringify({
    wallMs,
    dir: result.dir,
    rows: result.manifest.totals.rows,
    bytes: result.manifest.totals.bytes,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    notes: result.notes,
  })}\n`,
);
