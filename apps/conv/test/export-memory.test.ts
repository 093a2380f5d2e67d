// Issue 13 item 9: memory with one 64 MB longtext + one 64 MB longblob in a row. Values above 4 MB are
// read apart, in pieces by primary key (packages/mysql-export/src/large-values.ts): export and migrate
// (which shares the row stream) are measured in child processes, and what lands in PostgreSQL is
// compared with MySQL by sha256.
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
/** The stated bound (README): was ~1 GB for this row when the row was read whole. */
const PEAK_MB = 300;
/** 6 bytes, 5 characters: a quote, a comma, a newline and a 2-byte character in every piece. */
const PATTERN = 'x"\u00e9,\n';

const PG_SUMS = `SELECT id, encode(sha256(convert_to(t, 'UTF8')), 'hex') AS t, encode(sha256(b), 'hex') AS b
  FROM big ORDER BY id`;
const MYSQL_SUMS = 'SELECT id, SHA2(t, 256) AS t, SHA2(b, 256) AS b FROM src.big ORDER BY id';

describe('memory with 64 MB values', () => {
  let server: OwnMariadb;
  const target = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE big (id int PRIMARY KEY, t text, b bytea)');
  });
  let sourceUrl = '';
  let expected: unknown[] = [];
  beforeAll(async () => {
    server = await startMariadb(['--max-allowed-packet=512M']);
    const admin = await mysql.createConnection({ uri: server.url, multipleStatements: true });
    await admin.query(
      `CREATE DATABASE src; CREATE TABLE src.big (id int PRIMARY KEY, t longtext, b longblob) CHARSET utf8mb4;` +
        `INSERT INTO src.big VALUES (1, REPEAT(?, ${Math.floor((VALUE_MB * MB) / 6)}), REPEAT(X'00FF22', ${Math.floor((VALUE_MB * MB) / 3)})),` +
        ` (2, 'small', X'01'), (3, NULL, REPEAT(X'AB', ${5 * MB})), (4, REPEAT('\u00e9', ${3 * MB}), NULL);`,
      [PATTERN],
    );
    const [sums] = await admin.query(MYSQL_SUMS);
    expected = (sums as unknown[]).map((r) => ({ ...(r as object) }));
    await admin.end();
    sourceUrl = withDatabase(server.url, 'src');
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  const planFor = async () => {
    const plan = await cli(['plan', '--mysql-url', sourceUrl, '--pg-url', target.url, '--json']);
    expect(plan.code, plan.all).toBe(ExitCode.ok);
    return JSON.parse(plan.stdout) as MigrationPlan;
  };
  const runChild = (name: string, job: object) => {
    const work = tempDir('conv-peak-');
    const file = join(work, 'job.json');
    writeFileSync(file, JSON.stringify({ ...job, outDir: work }));
    const child = fileURLToPath(new URL(`./children/${name}`, import.meta.url));
    const out = execFileSync(process.execPath, [child, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop()!) as { peakRssMb: number; dir?: string; bytes?: number };
  };
  const landed = async () => (await target.client.query(PG_SUMS)).rows;

  it(`export: a row of ${VALUE_MB} MB text + ${VALUE_MB} MB blob peaks under ${PEAK_MB} MB; import lands the same bytes`, async () => {
    const r = runChild('export-peak.mjs', { mysqlUrl: sourceUrl, plan: await planFor() });
    console.log(
      `export peak RSS ${r.peakRssMb.toFixed(0)} MB (${((r.bytes ?? 0) / MB).toFixed(0)} MB of CSV)`,
    );
    expect(r.peakRssMb).toBeLessThan(PEAK_MB);
    await target.client.query('TRUNCATE big');
    const imported = await cli(['import', r.dir!, '--pg-url', target.url]);
    expect(imported.code, imported.all).toBe(ExitCode.ok);
    expect(await landed()).toEqual(expected);
  }, 300_000);

  it(`migrate: the same row straight into PostgreSQL peaks under ${PEAK_MB} MB, same bytes`, async () => {
    await target.client.query('TRUNCATE big');
    const r = runChild('migrate-peak.mjs', { mysqlUrl: sourceUrl, pgUrl: target.url, plan: await planFor() });
    console.log(`migrate peak RSS ${r.peakRssMb.toFixed(0)} MB`);
    expect(r.peakRssMb).toBeLessThan(PEAK_MB);
    expect(await landed()).toEqual(expected);
  }, 300_000);
});
