// `pnpm bench:binlog` — the binlog catch-up and the cut-over window, on a private binlog MariaDB started
// from the machine's mariadbd (the shared server has no binlog). Never part of `pnpm test`.
//   --rows N          rows in the source before the bulk copy (default 200000, ~100 MB)
//   --write-rate N    row changes per second the writer aims at while sync runs (default 500)
//   --seconds N       duration of the steady write load (default 20)
//   --backlog N       row changes written with no sync running, then applied as fast as possible (default 50000)
//   --verify-mode M   verify of the cut-over: auto (default: a full verify runs in the background during the
//                     steady load, the cut-over compares only the rows changed since) | full | counts | sample
//   --after N         seconds the writer goes on after the background verify settled (a settle round
//                     under 2 s; default 5)
//   --tail N          seconds the writer goes on after the sync stopped, before the cut-over (default 1)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { BackgroundVerify, SettleRound } from '@conv/binlog-sync';
import { runCutover, startSync } from '@conv/binlog-sync';
import { currentBinlogPosition } from '@conv/binlog-sync/internal';
import { exportDatabase } from '@conv/mysql-export';
import { importDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { startBinlogMariadb } from '@conv/testkit';
import type { VerifyMode } from '@conv/verify';
import mysql from 'mysql2/promise';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    'write-rate': { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    backlog: { type: 'string', default: '50000' },
    'verify-mode': { type: 'string', default: 'auto' },
    after: { type: 'string', default: '5' },
    tail: { type: 'string', default: '1' },
  },
});
const rows = Number(values.rows);
const writeRate = Number(values['write-rate']);
const seconds = Number(values.seconds);
const backlog = Number(values.backlog);
const log = (line: string) => process.stderr.write(`[bench:binlog] ${line}\n`);
const pgAdmin = process.env['CONV_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const MYSQL_SCHEMA = `
CREATE TABLE account (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, created DATETIME(6) NOT NULL);
CREATE TABLE event (
  id BIGINT PRIMARY KEY AUTO_INCREMENT, account_id INT NOT NULL, kind VARCHAR(20) NOT NULL,
  body TEXT, amount DECIMAL(12,2), at DATETIME(6) NOT NULL, meta JSON,
  FOREIGN KEY (account_id) REFERENCES account(id));`;
const PG_SCHEMA = `
CREATE TABLE account (id int PRIMARY KEY, name varchar(100) NOT NULL, created timestamp(6) NOT NULL);
CREATE TABLE event (
  id bigserial PRIMARY KEY, account_id int NOT NULL REFERENCES account(id), kind varchar(20) NOT NULL,
  body text, amount numeric(12,2), at timestamp(6) NOT NULL, meta jsonb);`;

/** One row change: 60% insert, 30% update, 10% delete of a recent row. */
async function change(conn: mysql.Connection, maxId: { v: number }): Promise<void> {
  const r = Math.random();
  if (r < 0.6 || maxId.v < 10) {
    const [res] = await conn.query(
      "INSERT INTO event (account_id, kind, body, amount, at, meta) VALUES (1 + FLOOR(RAND() * 1000), 'live', REPEAT('x\\n\"', 40), RAND() * 1000, NOW(6), '{\"k\": 1}')",
    );
    maxId.v = Math.max(maxId.v, (res as mysql.ResultSetHeader).insertId);
  } else if (r < 0.9) {
    await conn.query("UPDATE event SET body = CONCAT('u', NOW(6)), amount = amount + 1 WHERE id = ?", [
      1 + Math.floor(Math.random() * maxId.v),
    ]);
  } else {
    await conn.query('DELETE FROM event WHERE id = ?', [1 + Math.floor(Math.random() * maxId.v)]);
  }
}

async function main() {
  const server = await startBinlogMariadb({ extraArgs: ['--innodb-buffer-pool-size=256M'] });
  const work = mkdtempSync(join(tmpdir(), 'conv-bench-binlog-'));
  const pgDb = `conv_bench_binlog_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: pgAdmin });
  await admin.connect();
  try {
    const url = `${server.url}bench`;
    const my = await mysql.createConnection({ uri: server.url, multipleStatements: true });
    await my.query(`CREATE DATABASE bench; USE bench; ${MYSQL_SCHEMA}`);
    await my.query(
      "INSERT INTO account SELECT seq, CONCAT('acct ', seq), NOW(6) FROM seq_1_to_1000; INSERT INTO event (account_id, kind, body, amount, at, meta) SELECT 1 + seq % 1000, 'seed', REPEAT('lorem \"ipsum\"\\n', 30), seq / 100, NOW(6) - INTERVAL seq SECOND, JSON_OBJECT('n', seq) FROM seq_1_to_" +
        String(rows),
    );
    await admin.query(`CREATE DATABASE "${pgDb}"`);
    const pgUrl = new URL(pgAdmin);
    pgUrl.pathname = `/${pgDb}`;
    const target = new pg.Client({ connectionString: pgUrl.toString() });
    await target.connect();
    await target.query(PG_SCHEMA);
    await target.end();

    const plan = planMigration(await introspectMysql(url), await introspectPg(pgUrl.toString()));
    let t = Date.now();
    const exp = await exportDatabase({ mysqlUrl: url, plan, outDir: work, app: 'bench', jobs: 2 });
    log(
      `export ${exp.manifest.totals.rows} rows, ${(exp.manifest.totals.bytes / 1e6).toFixed(0)} MB in ${Date.now() - t} ms`,
    );
    t = Date.now();
    await importDirectory({ pgUrl: pgUrl.toString(), dir: exp.dir });
    log(`import in ${Date.now() - t} ms`);

    const writer = await mysql.createConnection({ uri: url });
    const maxId = { v: rows };

    // 1. Backlog written with no sync running, then applied as fast as possible; the raw limit for the
    //    same range is mariadb-binlog decoding it (to /dev/null) — reading alone, no apply.
    const from = await currentBinlogPosition(my);
    t = Date.now();
    for (let i = 0; i < backlog; i++) await change(writer, maxId);
    const writeBacklogMs = Date.now() - t;
    const to = await currentBinlogPosition(my);
    t = Date.now();
    const caught = await startSync({
      mysqlUrl: url,
      pgUrl: pgUrl.toString(),
      manifest: exp.manifest,
      until: 'caught-up',
    });
    const r1 = await caught.done;
    const applyMs = Date.now() - t;
    const binlogDir = join(server.datadir, '..');
    t = Date.now();
    await promisify(execFile)('sh', [
      '-c',
      `mariadb-binlog --base64-output=decode-rows -v --start-position=${from.position} --stop-position=${to.position} ${join(binlogDir, from.file)} > /dev/null`,
    ]);
    const rawReadMs = Date.now() - t;

    // 2. Steady write load at --write-rate with sync running: does the apply keep up?
    //    With --verify-mode auto the full verify runs in the background meanwhile; the writer goes on until
    //    it has finished and --after seconds more (changes after the verify's reference point).
    const lags: number[] = [];
    const auto = values['verify-mode'] === 'auto';
    let bg: BackgroundVerify | undefined;
    let settledAt = 0;
    const rounds: SettleRound[] = [];
    const handle = await startSync({
      mysqlUrl: url,
      pgUrl: pgUrl.toString(),
      manifest: exp.manifest,
      onProgress: (p) => lags.push(p.secondsBehind),
      verify: auto,
      onSettle: (round) => {
        rounds.push(round);
        // Settled: a round took under 2 s, i.e. it compares about as many keys as arrive meanwhile.
        if (!settledAt && round.ms < 2000) settledAt = Date.now();
      },
      onVerify: (v) => {
        bg = v;
        log(`background verify ${v.point.status} in ${v.ms} ms: ${v.point.summary}`);
      },
    });
    const began = Date.now();
    let written = 0;
    let stopWriting = false;
    const writer1 = (async () => {
      while (!stopWriting) {
        const due = ((Date.now() - began) / 1000) * writeRate;
        while (written < due && !stopWriting) {
          await change(writer, maxId);
          written++;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    while (
      Date.now() - began < seconds * 1000 ||
      (auto && (!settledAt || Date.now() - settledAt < Number(values.after) * 1000))
    )
      await new Promise((r) => setTimeout(r, 50));
    // The worst case for the window: the sync stops while the application still writes (its last settle
    // round is up to a second old), writes go on for --tail seconds, then stop as the cut-over starts.
    handle.stop();
    const r2 = await handle.done;
    await new Promise((r) => setTimeout(r, Number(values.tail) * 1000));
    stopWriting = true;
    await writer1;
    const writeMs = Date.now() - began;
    await writer.end();

    // 3. Cut-over: writes are stopped now; drain → verify → sequences.
    const cut = await runCutover({
      mysqlUrl: url,
      pgUrl: pgUrl.toString(),
      manifest: exp.manifest,
      verifyMode: values['verify-mode'] as VerifyMode | 'auto',
    });
    await my.end();

    const rate = (n: number, ms: number) => (ms > 0 ? (n / (ms / 1000)).toFixed(0) : '-');
    const lines = [
      '',
      `conv bench:binlog — ${rows} seed rows (${(exp.manifest.totals.bytes / 1e6).toFixed(0)} MB CSV), MariaDB binlog → PostgreSQL`,
      `backlog: ${r1.appliedEvents} changes applied in ${(applyMs / 1000).toFixed(1)} s = ${rate(r1.appliedEvents, applyMs)} events/s`,
      `         raw: mariadb-binlog decodes the same range in ${(rawReadMs / 1000).toFixed(1)} s = ${rate(r1.appliedEvents, rawReadMs)} events/s (apply ×${(applyMs / rawReadMs).toFixed(1)} of the raw read)`,
      `         source wrote them (one client, one statement each) at ${rate(backlog, writeBacklogMs)} changes/s`,
      `steady:  source ${rate(written, writeMs)} changes/s for ${(writeMs / 1000).toFixed(0)} s; sync applied ${r2.appliedEvents} (${rate(r2.appliedEvents, r2.durationMs)} events/s over its run); max lag ${Math.max(0, ...lags).toFixed(1)} s; max read-ahead ${r2.maxQueuedEvents} changes`,
      ...(bg
        ? [
            `         background full verify (writes going on): ${bg.point.status} in ${(bg.ms / 1000).toFixed(1)} s, ${bg.report.totals.sourceRows} rows; then ${rounds.length} settle round(s): ${rounds.map((r) => `${r.keys} keys ${(r.ms / 1000).toFixed(1)} s`).join(', ')}`,
          ]
        : []),
      `cut-over (verify ${cut.verify.mode}${cut.verifiedKeys !== null ? `, ${cut.verifiedKeys} changed row keys` : ''}): writes stopped → verified ${(cut.timings.writesStoppedMs / 1000).toFixed(2)} s = drain ${(cut.timings.drainMs / 1000).toFixed(2)} s (${cut.sync.appliedEvents} changes) + verify ${(cut.timings.verifyMs / 1000).toFixed(2)} s + sequences ${(cut.timings.sequencesMs / 1000).toFixed(2)} s; tables equal: ${cut.verify.ok}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${pgDb}" WITH (FORCE)`).catch(() => {});
    await admin.end();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
