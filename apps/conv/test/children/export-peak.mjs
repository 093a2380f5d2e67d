// Runs one export in its own process so its peak RSS is the export's alone; prints one JSON line.
// Usage: node export-peak.mjs <job.json> (needs @conv/mysql-export built: dist/).
import { readFileSync } from 'node:fs';
import { MigrationPlanSchema } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const result = await exportDatabase({
  mysqlUrl: job.mysqlUrl,
  // Parsed as the CLI parses a plan file: the manifest's planHash is over the parsed plan.
  plan: MigrationPlanSchema.parse(job.plan),
  outDir: job.outDir,
  app: 'peak',
  jobs: 1,
});
process.stdout.write(
  `${JSON.stringify({ dir: result.dir, bytes: result.manifest.totals.bytes, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
