// `pnpm bench:verify-cpu` — what verify's content checksum of DOUBLE columns costs each server: a table of
// random doubles (default 200k rows × 3 columns, float8 targets) is hashed once per side with the SQL verify
// runs (all rows in one chunk), and the CPU seconds of the server thread that ran it are read from /proc
// (servers on this machine). CPU, not wall time: a shared machine's load does not blur it. Never in tests.
//   --rows N    (default 200000)
//   --runs N    (default 3; the minimum is reported)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { PlannedTable } from '@conv/core';
import { quotePgIdent } from '@conv/core';
import { buildTableSql } from '@conv/verify';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlAdmin, recreateMysqlDatabase, withDb } from './mysql-admin.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '200000' }, runs: { type: 'string', default: '3' } },
});
const rows = Number(values.rows);
const runs = Number(values.runs);
const mysqlUrl = process.env['CONV_BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/';
const pgUrl = process.env['CONV_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const db = `conv_bench_verify_cpu_${rows}`;
const log = (line: string) => process.stderr.write(`[bench:verify-cpu] ${line}\n`);

// Three distributions: 40 decades (as bench:doubles), everyday amounts, the whole double range.
const COLUMNS = {
  a: '(RAND() - 0.5) * POW(10, RAND() * 40 - 20)',
  b: 'RAND() * 1e6',
  c: '(RAND() - 0.5) * POW(10, RAND() * 600 - 300)',
};

/** user + system CPU seconds of a thread, from /proc/<pid>/task/<tid>/stat (fields 14 and 15). */
function cpuSeconds(path: string): number {
  const fields = (readFileSync(path, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The stat file of thread `tid` of the local MySQL/MariaDB server (several may run: the one holding it). */
function serverThread(tid: number): string {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if ((comm === 'mariadbd' || comm === 'mysqld') && existsSync(`/proc/${pid}/task/${tid}`))
        return `/proc/${pid}/task/${tid}/stat`;
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no MySQL/MariaDB server thread ${tid} on this machine: the servers must run here`);
}

async function setUp(): Promise<PlannedTable> {
  await recreateMysqlDatabase(mysqlUrl, db);
  const conn = await mysqlAdmin(withDb(mysqlUrl, db));
  const names = Object.keys(COLUMNS);
  try {
    await conn.query(
      `CREATE TABLE d (id int PRIMARY KEY, ${names.map((c) => `${c} double NOT NULL`).join(', ')})`,
    );
    await conn.query(`INSERT INTO d SELECT seq, ${Object.values(COLUMNS).join(', ')} FROM seq_1_to_${rows}`);
    // The target holds the same doubles (verify's question is the cost, not a difference).
    const [data] = await conn.query({
      sql: `SELECT id, ${names.map((c) => `CAST(${c} AS CHAR) AS ${c}`).join(', ')} FROM d`,
      rowsAsArray: true,
    });
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(db)}`);
    await admin.query(`CREATE DATABASE ${quotePgIdent(db)}`);
    await admin.end();
    const target = new pg.Client({ connectionString: withDb(pgUrl, db) });
    await target.connect();
    await target.query(
      `CREATE TABLE d (id int PRIMARY KEY, ${names.map((c) => `${c} float8 NOT NULL`).join(', ')})`,
    );
    const all = data as string[][];
    for (let i = 0; i < all.length; i += 5000) {
      const chunk = all.slice(i, i + 5000);
      await target.query(
        `INSERT INTO d SELECT * FROM unnest($1::int[], ${names.map((_, k) => `$${k + 2}::float8[]`).join(', ')})`,
        [chunk.map((r) => r[0]), ...names.map((_, k) => chunk.map((r) => r[k + 1]))],
      );
    }
    await target.end();
  } finally {
    await conn.end();
  }
  const col = (name: string, type: 'int' | 'double') => ({
    source: name,
    target: name,
    sourceType: type,
    sourceDataType: type,
    targetType: type === 'int' ? 'integer' : 'double precision',
    targetBaseType: type === 'int' ? 'int4' : 'float8',
    conversion: type === 'int' ? ('integer' as const) : ('numeric' as const),
    sourceNullable: false,
    targetNullable: false,
    targetMaxLength: null,
    targetEnumLabels: null,
    transform: null,
    match: 'exact' as const,
  });
  return {
    action: 'load',
    skipReason: null,
    source: 'd',
    target: 'd',
    targetSchema: 'public',
    primaryKey: ['id'],
    rowKey: ['id'],
    columns: [col('id', 'int'), ...names.map((c) => col(c, 'double'))],
    omitted: [],
    approxRows: rows,
    approxBytes: 0,
  };
}

async function main(): Promise<void> {
  log(`generating ${rows} rows × ${Object.keys(COLUMNS).length} doubles in ${db} (MySQL and PostgreSQL)`);
  const table = await setUp();
  const sql = buildTableSql(table, db);
  const mysqlQuery = `SELECT SUM(${sql.mysql.hash60(sql.mysql.rowText)}) AS h FROM ${sql.mysql.from}`;
  const pgQuery = `SELECT SUM(${sql.pg.hash60(sql.pg.rowText)}) AS h FROM ${sql.pg.from}`;

  const my = await mysql.createConnection(withDb(mysqlUrl, db));
  const [[{ TID }]] = (await my.query(
    'SELECT TID FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()',
  )) as unknown as [[{ TID: number }]];
  const mysqlThread = serverThread(TID);
  const target = new pg.Client({ connectionString: withDb(pgUrl, db) });
  await target.connect();
  await target.query('SET extra_float_digits = 1');
  const pid = (await target.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]!.p;

  const measure = async (run: () => Promise<string>, stat: string) => {
    const out: { cpu: number; wall: number; hash: string }[] = [];
    for (let i = 0; i < runs; i++) {
      const [c0, w0] = [cpuSeconds(stat), Date.now()];
      const hash = await run();
      out.push({ cpu: cpuSeconds(stat) - c0, wall: (Date.now() - w0) / 1000, hash });
    }
    return out;
  };
  const mysqlRuns = await measure(async () => {
    const [r] = await my.query(mysqlQuery);
    return String((r as { h: string }[])[0]!.h);
  }, mysqlThread);
  const pgRuns = await measure(
    async () => String((await target.query<{ h: string }>(pgQuery)).rows[0]!.h),
    `/proc/${pid}/stat`,
  );
  await my.end();
  await target.end();
  const min = (xs: number[]) => Math.min(...xs).toFixed(2);
  const same = mysqlRuns[0]!.hash === pgRuns[0]!.hash;
  process.stdout.write(
    `${rows} rows × 3 doubles, verify's checksum SQL (min of ${runs} runs):\n` +
      `  MySQL       ${min(mysqlRuns.map((r) => r.cpu))} s CPU (wall ${min(mysqlRuns.map((r) => r.wall))} s)\n` +
      `  PostgreSQL  ${min(pgRuns.map((r) => r.cpu))} s CPU (wall ${min(pgRuns.map((r) => r.wall))} s)\n` +
      `  checksums ${same ? 'equal' : 'DIFFER'}\n`,
  );
  if (!same) process.exitCode = 1;
}

await main();
