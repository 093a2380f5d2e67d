// The verify benchmark: counts-only and full verification of the bench pair (after the bench's export and
// import), with throughput next to the export's. Counts-only must take seconds even for the table of
// several million rows; full mode hashes every value on both servers (see @conv/verify's README for the
// SQL-vs-Node measurement behind `hashIn: 'sql'`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, type Manifest, ManifestSchema } from '@conv/core';
import { formatVerifyReport, type VerifyReport, verifyMigration } from '@conv/verify';
import type { BenchContext, BenchResult } from './context.js';

const MIB = 1024 * 1024;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

const perSecond = (n: number, ms: number) => (ms > 0 ? n / (ms / 1000) : 0);

function biggest(report: VerifyReport) {
  return [...report.tables].sort((a, b) => b.sourceRows - a.sourceRows)[0];
}

export async function benchVerify(ctx: BenchContext): Promise<BenchResult> {
  const manifest: Manifest = ManifestSchema.parse(
    JSON.parse(readFileSync(join(ctx.exportDir, MANIFEST_FILE), 'utf8')),
  );
  const mysqlUrl = withDatabase(ctx.mysqlUrl, ctx.sourceDb);
  const pgUrl = withDatabase(ctx.pgUrl, ctx.targetDb);
  const plan = manifest.plan;
  const notes: string[] = [];

  ctx.log('verify: counts only …');
  const countsStart = performance.now();
  const counts = await verifyMigration({ mysqlUrl, pgUrl, plan, mode: 'counts' });
  const countsMs = performance.now() - countsStart;
  const big = biggest(counts);
  notes.push(
    `counts only: ${(countsMs / 1000).toFixed(2)} s for ${counts.totals.sourceRows} rows in ${counts.tables.length} tables` +
      (big ? ` (largest: ${big.table}, ${big.sourceRows} rows, ${(big.ms / 1000).toFixed(2)} s)` : '') +
      `: ${counts.ok ? 'all counts equal' : 'COUNTS DIFFER'}`,
  );

  ctx.log('verify: full checksums (hashed in SQL on both servers) …');
  const fullStart = performance.now();
  const full = await verifyMigration({
    mysqlUrl,
    pgUrl,
    plan,
    mode: 'full',
    progress: {
      start() {},
      update() {},
      finish: (t, rows) => ctx.log(`  verified ${t} (${rows} rows)`),
      log: ctx.log,
      close() {},
    },
  });
  const fullMs = performance.now() - fullStart;
  if (!full.ok) {
    notes.push('full verification found differences:');
    for (const line of formatVerifyReport(full).split('\n').slice(0, 40)) notes.push(`  ${line}`);
  }

  if (process.env['CONV_BENCH_VERIFY_NODE'] === '1') {
    // The alternative the default was measured against: canonical rows streamed into Node and hashed there.
    ctx.log('verify: full checksums hashed in Node (CONV_BENCH_VERIFY_NODE=1) …');
    const nodeStart = performance.now();
    const inNode = await verifyMigration({ mysqlUrl, pgUrl, plan, mode: 'full', hashIn: 'node' });
    const nodeMs = performance.now() - nodeStart;
    notes.push(
      `full, hashed in Node: ${(nodeMs / 1000).toFixed(1)} s vs ${(fullMs / 1000).toFixed(1)} s in SQL ` +
        `(${(nodeMs / fullMs).toFixed(2)}×), verdict ${inNode.ok === full.ok ? 'the same' : 'DIFFERENT'}`,
    );
  }

  // Throughput on the same basis as the export: the CSV bytes of the export directory.
  const bytes = manifest.totals.bytes;
  const exportMs = Date.parse(manifest.finishedAt) - Date.parse(manifest.startedAt);
  notes.push(
    `full: ${(perSecond(bytes, fullMs) / MIB).toFixed(1)} MB/s, ${perSecond(full.totals.sourceRows, fullMs).toFixed(0)} rows/s ` +
      `(export: ${(perSecond(bytes, exportMs) / MIB).toFixed(1)} MB/s, ${perSecond(manifest.totals.rows, exportMs).toFixed(0)} rows/s, ` +
      `same CSV bytes as the basis)`,
  );
  for (const t of full.tables) {
    notes.push(
      `  ${t.table}: ${t.sourceRows} rows, ${t.chunks.total} ${t.chunks.chunking} chunks, ${(t.ms / 1000).toFixed(1)} s, ` +
        `${t.checksumMatch ? 'equal' : 'DIFFERS'}`,
    );
  }
  return {
    name: 'verify full (counts-only in notes)',
    wallMs: fullMs,
    rows: full.totals.sourceRows,
    bytes,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    notes,
  };
}
