// Issue 13 item 9: export memory with one 64 MB longtext + one 64 MB longblob in a row. The bound is
// stated in packages/mysql-export/README.md and checked here on a child process's peak RSS.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, type MigrationPlan } from '@conv/core';
import { usePgDatabase, withDatabase } from '@conv/testkit';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';
import { type OwnMariadb, startMariadb } from './own-mariadb.js';

const MB = 1024 * 1024;
const VALUE_MB = 64;
/** The stated bound: a fixed base plus a multiple of the largest row's size (see the README). */
const PEAK_BASE_MB = 150;
const PEAK_PER_ROW_MB = 8;

describe('export memory with 64 MB values', () => {
  let server: OwnMariadb;
  const target = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE big (id int PRIMARY KEY, t text, b bytea)');
  });
  let sourceUrl = '';
  beforeAll(async () => {
    server = await startMariadb(['--max-allowed-packet=512M']);
    const admin = await mysql.createConnection({ uri: server.url, multipleStatements: true });
    await admin.query(
      `CREATE DATABASE src; CREATE TABLE src.big (id int PRIMARY KEY, t longtext, b longblob);` +
        `INSERT INTO src.big VALUES (1, REPEAT('x', ${VALUE_MB * MB}), REPEAT(X'00FF', ${(VALUE_MB * MB) / 2})), (2, 'small', X'01');`,
    );
    await admin.end();
    sourceUrl = withDatabase(server.url, 'src');
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it(`a row of ${VALUE_MB} MB text + ${VALUE_MB} MB blob exports within ${PEAK_BASE_MB} MB + ${PEAK_PER_ROW_MB} × the row`, async () => {
    const plan = await cli(['plan', '--mysql-url', sourceUrl, '--pg-url', target.url, '--json']);
    expect(plan.code, plan.all).toBe(ExitCode.ok);
    const work = tempDir('conv-peak-');
    const job = join(work, 'job.json');
    writeFileSync(
      job,
      JSON.stringify({ mysqlUrl: sourceUrl, plan: JSON.parse(plan.stdout) as MigrationPlan, outDir: work }),
    );
    const child = fileURLToPath(new URL('./children/export-peak.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [child, job], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const { peakRssMb, bytes } = JSON.parse(out.trim().split('\n').pop()!) as {
      peakRssMb: number;
      bytes: number;
    };
    const rowMb = (2 * VALUE_MB * MB) / MB;
    console.log(
      `export peak RSS ${peakRssMb.toFixed(0)} MB for a ${rowMb} MB row (${(bytes / MB).toFixed(0)} MB of CSV)`,
    );
    expect(peakRssMb).toBeLessThan(PEAK_BASE_MB + PEAK_PER_ROW_MB * rowMb);
  }, 300_000);
});
