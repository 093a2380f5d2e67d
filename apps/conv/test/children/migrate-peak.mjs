// Runs one migrate (MySQL → PostgreSQL, no file) in its own process so its peak RSS is the migrate's alone;
// prints one JSON line. Usage: node migrate-peak.mjs <job.json> (needs @conv/migrate built: dist/).
import { readFileSync } from 'node:fs';
import { MigrationPlanSchema } from '@conv/core';
import { migrate } from '@conv/migrate';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const result = await migrate({
  mysqlUrl: job.mysqlUrl,
  pgUrl: job.pgUrl,
  // Parsed as the CLI parses a plan file: the manifest's planHash is over the parsed plan.
  plan: MigrationPlanSchema.parse(job.plan),
  outDir: job.outDir,
  app: 'peak',
  jobs: 1,
});
process.stdout.write(
  `${JSON.stringify({ rows: result.loaded.reduce((s, t) => s + t.rows, 0), peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
