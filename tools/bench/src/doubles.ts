// `pnpm bench:doubles` — issue 16's "must show": a generated database of random 17-digit doubles
// (default 2 M rows) goes through a full `conv run`, which must exit 0 with verify matching. Prints the
// run's wall time as a ratio to the raw limits measured in the same run (mariadb --quick reading the
// table, psql \copy writing the same rows). Never part of `pnpm test`.
//   --rows N   (default 2000000)
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { quotePgIdent } from '@conv/core';
import pg from 'pg';
import { fmt, runTimed } from './measure.js';
import { mysqlAdmin, recreateMysqlDatabase, withDb } from './mysql-admin.js';

async function onSource<T>(fn: (conn: Awaited<ReturnType<typeof mysqlAdmin>>) => Promise<T>): Promise<T> {
  const conn = await mysqlAdmin(withDb(mysqlUrl, sourceDb));
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' } } });
const rows = Number(values.rows);
const mysqlUrl = process.env['CONV_BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/';
const pgUrl = process.env['CONV_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sourceDb = `conv_bench_dbl_src_${rows}`;
const targetDb = `conv_bench_dbl_tgt_${rows}`;
const log = (line: string) => process.stderr.write(`[bench:doubles] ${line}\n`);
const cliBin = fileURLToPath(new URL('../../../apps/conv/dist/bin.js', import.meta.url));

// Doubles with 17 significant digits over 40 decades, both signs, plus a NULL now and then. RAND() has
// 53 random bits; scaling by a power of ten keeps the full precision in most values.
const VALUE = `(RAND() - 0.5) * POW(10, FLOOR(RAND() * 40) - 20)`;

async function generate(): Promise<void> {
  await recreateMysqlDatabase(mysqlUrl, sourceDb);
  await onSource(async (conn) => {
    await conn.query(
      'CREATE TABLE d (id int PRIMARY KEY, a double NOT NULL, b double NULL, c double NOT NULL)',
    );
    for (let from = 1; from <= rows; from += 500_000) {
      const to = Math.min(rows, from + 499_999);
      await conn.query(
        `INSERT INTO d SELECT seq, ${VALUE}, IF(seq % 10 = 0, NULL, ${VALUE}), ${VALUE} FROM seq_${from}_to_${to}`,
      );
      log(`generated ${to} rows`);
    }
  });
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(targetDb)}`);
  await admin.query(`CREATE DATABASE ${quotePgIdent(targetDb)}`);
  await admin.end();
  const target = new pg.Client({ connectionString: dbUrl(pgUrl, targetDb) });
  await target.connect();
  // float8 for two columns, numeric for one: both targets must hold the exact double.
  await target.query('CREATE TABLE d (id int PRIMARY KEY, a float8 NOT NULL, b float8, c numeric NOT NULL)');
  await target.end();
}

function dbUrl(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function main(): Promise<void> {
  log(`generating ${rows} rows of random doubles into ${sourceDb}`);
  await generate();
  const digits = await onSource(async (conn) => {
    const [r] = await conn.query(
      `SELECT SUM(LENGTH(TRIM(TRAILING '0' FROM TRIM(LEADING '0' FROM REPLACE(TRIM(LEADING '-' FROM SUBSTRING_INDEX(CAST(a AS CHAR), 'e', 1)), '.', '')))) >= 16) AS n FROM d`,
    );
    return Number((r as { n: string }[])[0]!.n);
  });
  log(`${digits} of ${rows} values of column a print with 16-17 significant digits (MySQL text)`);

  const u = new URL(mysqlUrl);
  const raw = await runTimed(
    'mariadb',
    [
      '--quick',
      '--batch',
      '-h',
      u.hostname,
      '-P',
      u.port || '3306',
      '-u',
      u.username || 'root',
      sourceDb,
      '-e',
      'SELECT * FROM d',
    ],
    { discardStdout: true },
  );
  const run = await runTimed(
    'node',
    [
      cliBin,
      'run',
      '--mysql-url',
      withDb(mysqlUrl, sourceDb),
      '--pg-url',
      dbUrl(pgUrl, targetDb),
      '--out-dir',
      '/tmp/conv-bench-doubles',
      '--quiet',
    ],
    { onStderr: (line) => log(line) },
  );
  process.stdout.write(`${run.stdout}\n`);
  log(
    `conv run exit ${run.code} in ${fmt(run.wallMs / 1000)} s; raw MySQL read ${fmt(raw.wallMs / 1000)} s (run = ${fmt(run.wallMs / raw.wallMs)}× the raw read)`,
  );
  if (run.code !== 0) process.exitCode = 1;
}

await main();
