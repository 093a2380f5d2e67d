import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ConvError, Manifest } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';
import { importDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import {
  type BinlogServer,
  bundleWorker,
  createMysqlDatabase,
  type ServerInfo,
  startBinlogMariadb,
  type TestMysqlDb,
  usePgDatabase,
} from '@conv/testkit';
import { formatVerifyReport } from '@conv/verify';
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackgroundVerify,
  type CutoverResult,
  readVerifyPoint,
  runCutover,
  startSync,
} from '../src/index.js';
import { readPosition } from '../src/internal.js';
import { MYSQL_SCHEMA, PG_SCHEMA, seed, startWriter } from './source.js';

let server: BinlogServer;
let my: TestMysqlDb;
let work: string;
let worker: string;
const pg = usePgDatabase(async (db) => {
  await db.client.query(PG_SCHEMA);
});

async function writerConn(url: string): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({ uri: url, charset: 'utf8mb4' });
  await conn.query("SET SESSION sql_mode = '', time_zone = '+00:00'");
  return conn;
}

beforeAll(async () => {
  server = await startBinlogMariadb();
  const info: ServerInfo = {
    kind: 'mysql',
    url: server.url,
    origin: 'local',
    version: 'MariaDB',
    flavor: 'mariadb',
  };
  my = await createMysqlDatabase(info);
  await my.conn.query(MYSQL_SCHEMA);
  work = await mkdtemp(join(tmpdir(), 'conv-binlog-sync-'));
  worker = await bundleWorker(fileURLToPath(new URL('./workers/sync-worker.ts', import.meta.url)), work);
});
afterAll(async () => {
  await my?.drop().catch(() => {});
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function rowsIn(client: PgClient): Promise<number> {
  const r = await client.query<{ n: string }>(
    'SELECT (SELECT count(*) FROM author) + (SELECT count(*) FROM book) + (SELECT count(*) FROM tag) AS n',
  );
  return Number(r.rows[0]!.n);
}

const exited = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });

/** Row changes of the planned tables in the binlog between two positions, counted by mariadb-binlog. */
async function binlogRowChanges(
  datadir: string,
  from: { file: string; position: number },
  to: { file: string; position: number },
) {
  const dir = join(datadir, '..');
  const { stdout } = await promisify(execFile)(
    'mariadb-binlog',
    [
      '--base64-output=decode-rows',
      '-v',
      `--start-position=${from.position}`,
      `--stop-position=${to.position}`,
      join(dir, from.file),
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  expect(to.file).toBe(from.file);
  return stdout
    .split('\n')
    .filter((l) => /^### (INSERT INTO|UPDATE|DELETE FROM) `[^`]+`\.`(author|book|tag)`/.test(l)).length;
}

describe('binlog catch-up and cut-over against a private binlog MariaDB', () => {
  let manifest: Manifest;

  it('exports and imports while a writer changes several related tables', async () => {
    const w = await writerConn(my.url);
    await seed(w, 400);
    const writer = startWriter(w, 2);
    const plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    expect(plan.tables.find((t) => t.source === 'audit_trail')?.action).toBe('export-only');
    const exp = await exportDatabase({ mysqlUrl: my.url, plan, outDir: work, app: 'bt', jobs: 2 });
    manifest = exp.manifest;
    expect(manifest.source.snapshot.binlogFile).toBeTruthy();
    await importDirectory({ pgUrl: pg.url, dir: exp.dir });
    const statements = await writer.stop();
    expect(statements).toBeGreaterThan(10);
    await w.end();
  });

  it('survives kill -9 of the sync process at random points: nothing lost, nothing applied twice', async () => {
    const manifestFile = join(work, 'manifest.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(manifestFile, JSON.stringify(manifest));
    const w = await writerConn(my.url);
    const writer = startWriter(w, 1);
    for (let i = 0; i < 4; i++) {
      const child = spawn(process.execPath, [worker, my.url, pg.url, manifestFile], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
      });
      // kill at a random moment after it applied something
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`sync worker exited early (${code}): ${err}`)));
      });
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 900));
      child.kill('SIGKILL');
      await exited(child);
    }
    await writer.stop();
    await w.end();
    const stored = await readPosition(
      pg.client,
      'public',
      `${manifest.source.server}/${manifest.source.database}`,
    );
    expect(stored?.events).toBeGreaterThan(0);
  });

  it('bounds the read-ahead: the binlog socket pauses while PostgreSQL applies slower than events arrive', async () => {
    // a backlog far larger than the bound, then an apply held back by a lock on a target table
    const w = await writerConn(my.url);
    await seed(w, 1500);
    await w.end();
    const blocker = new PgClient({ connectionString: pg.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE author, book, tag IN ACCESS EXCLUSIVE MODE');
    const handle = await startSync({
      mysqlUrl: my.url,
      pgUrl: pg.url,
      manifest,
      until: 'caught-up',
      batchEvents: 50,
      maxQueuedEvents: 200,
    });
    const samples: number[] = [];
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      samples.push(handle.queuedEvents());
    }
    await blocker.query('COMMIT');
    await blocker.end();
    const result = await handle.done;
    expect(result.reason).toBe('reached');
    // the reader stopped at the bound (plus the one transaction that crossed it: the writer's are ≤ 2 rows)
    expect(Math.max(...samples)).toBeGreaterThan(100);
    expect(result.maxQueuedEvents).toBeLessThanOrEqual(202);
    expect(result.appliedEvents).toBeGreaterThan(1000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * 1024 * 1024);
  });

  it('resumes by GTID when the stored binlog file is gone (a fail-over renamed the files)', async () => {
    const w = await writerConn(my.url);
    await seed(w, 100);
    const source = `${manifest.source.server}/${manifest.source.database}`;
    const before = await readPosition(pg.client, 'public', source);
    expect(before?.gtid).toMatch(/^\d+-\d+-\d+/);
    await pg.client.query("UPDATE conv_sync_position SET binlog_file = 'gone-bin.000099' WHERE source = $1", [
      source,
    ]);
    const lines: string[] = [];
    const handle = await startSync({
      mysqlUrl: my.url,
      pgUrl: pg.url,
      manifest,
      until: 'caught-up',
      log: (l) => lines.push(l),
    });
    const result = await handle.done;
    expect(result.startedFrom).toBe('gtid');
    expect(lines.join('\n')).toMatch(/resuming by GTID/);
    expect(result.appliedEvents).toBeGreaterThan(0);
    // the GTID stored with the applied position is the source's own once caught up (writes stopped)
    const [[g]] = (await w.query('SELECT @@GLOBAL.gtid_binlog_pos AS g')) as unknown as [[{ g: string }]];
    const after = await readPosition(pg.client, 'public', source);
    expect(after?.gtid).toBe(g.g);
    expect(after?.file).not.toBe('gone-bin.000099');
    await w.end();
  });

  it('cuts over: drains to the final position, verify reports every table equal, sequences reset', async () => {
    const w = await writerConn(my.url);
    const writer = startWriter(w, 1);
    // a sync running while the application writes, stopped before the cut-over
    const lines: string[] = [];
    const handle = await startSync({ mysqlUrl: my.url, pgUrl: pg.url, manifest, log: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 1500));
    handle.stop();
    await handle.done;
    expect(lines.join('\n')).toMatch(/resuming at binlog/);
    // the operator stops the application's writes
    await writer.stop();
    await w.end();
    const result = await runCutover({ mysqlUrl: my.url, pgUrl: pg.url, manifest }).catch((err) => {
      const r = (err as { result?: { verify: Parameters<typeof formatVerifyReport>[0] } }).result;
      throw r ? new Error(`${err.message}\n${formatVerifyReport(r.verify)}`) : err;
    });
    const report = formatVerifyReport(result.verify);
    expect(report, report).toMatch(/everything matches/);
    expect(result.verify.tables.map((t) => t.table).sort()).toEqual(['author', 'book', 'tag']);
    expect(result.sequences.length).toBe(2);
    // exactly once: the changes applied equal the row changes in the binlog since the snapshot
    const stored = await readPosition(
      pg.client,
      'public',
      `${manifest.source.server}/${manifest.source.database}`,
    );
    const snap = {
      file: manifest.source.snapshot.binlogFile!,
      position: manifest.source.snapshot.binlogPosition!,
    };
    expect(stored?.events).toBe(await binlogRowChanges(server.datadir, snap, result.finalPosition));
    expect(result.timings.writesStoppedMs).toBeGreaterThan(0);
  });
  it('verifies in the background while the sync runs; the cut-over compares only the rows changed since', async () => {
    const source = `${manifest.source.server}/${manifest.source.database}`;
    const w = await writerConn(my.url);
    const writer = startWriter(w, 1);
    let verified: BackgroundVerify | undefined;
    const handle = await startSync({
      mysqlUrl: my.url,
      pgUrl: pg.url,
      manifest,
      verify: true,
      settleMs: 300,
      onVerify: (v) => {
        verified = v;
      },
    });
    while (!verified) await new Promise((r) => setTimeout(r, 100));
    expect(verified.point.status).toBe('ok');
    // the writer keeps changing rows after the full verify; settle rounds move the reference point on
    await new Promise((r) => setTimeout(r, 2500));
    handle.stop();
    const run = await handle.done;
    expect(run.verify?.point.status).toBe('ok');
    expect(run.verify?.rounds).toBeGreaterThan(0);
    // more changes, applied by a sync that does not verify again (one ok already): their keys are recorded
    await new Promise((r) => setTimeout(r, 500));
    const more = await startSync({
      mysqlUrl: my.url,
      pgUrl: pg.url,
      manifest,
      until: 'caught-up',
      verify: true,
    });
    expect((await more.done).verify).toBeNull();
    await writer.stop();
    await w.end();

    // a target row among the keys changed since the reference point, corrupted behind the sync's back
    const point = await readVerifyPoint(pg.client, 'public', source);
    const changed = await pg.client.query<{ id: string }>(
      "SELECT DISTINCT tgt->>0 AS id FROM conv_sync_changed WHERE source = $1 AND tbl = 'author' AND tag > $2",
      [source, point!.tag],
    );
    const ids = changed.rows.map((r) => r.id);
    const present = await pg.client.query<{ id: string }>(
      'SELECT id::text AS id FROM author WHERE id = ANY($1::int[])',
      [ids],
    );
    const victim = present.rows[0]!.id;
    await pg.client.query("UPDATE author SET name = name || ' (corrupted)' WHERE id = $1", [victim]);

    const err = await runCutover({ mysqlUrl: my.url, pgUrl: pg.url, manifest }).then(
      () => undefined,
      (e: ConvError & { result?: CutoverResult }) => e,
    );
    expect(err?.exitCode).toBe(4);
    expect(err?.result?.verify.mode).toBe('keys');
    const bad = err!.result!.verify.tables.find((t) => t.table === 'author')!;
    expect(bad.mismatches).toEqual([{ key: { id: victim }, columns: ['name'], kind: 'differs' }]);

    // repaired: the cut-over compares the same keys and passes, in a window that does not read every row
    await pg.client.query("UPDATE author SET name = replace(name, ' (corrupted)', '') WHERE id = $1", [
      victim,
    ]);
    const ok = await runCutover({ mysqlUrl: my.url, pgUrl: pg.url, manifest });
    expect(ok.verify.mode).toBe('keys');
    expect(ok.verify.ok).toBe(true);
    expect(ok.verifiedKeys).toBeGreaterThan(0);
    expect(ok.verify.totals.sourceRows).toBeLessThanOrEqual(ok.verifiedKeys!);
    expect(ok.verifiedKeys!).toBeLessThan(await rowsIn(pg.client));

    // a wrong target key from the apply path (simulated) cannot hide a row: the key's own text is looked up too
    const now = await readVerifyPoint(pg.client, 'public', source);
    await pg.client.query("INSERT INTO author (id, name) VALUES (900001, 'only in PostgreSQL')");
    await pg.client.query(
      `INSERT INTO conv_sync_changed (source, tag, tbl, src, tgt) VALUES ($1, $2, 'author', '[900001]', '["999999"]')`,
      [source, now!.tag + 1],
    );
    const ghost = await runCutover({ mysqlUrl: my.url, pgUrl: pg.url, manifest }).then(
      () => undefined,
      (e: ConvError & { result?: CutoverResult }) => e,
    );
    expect(ghost?.exitCode).toBe(4);
    expect(ghost?.result?.verify.tables.find((t) => t.table === 'author')?.mismatches).toEqual([
      { key: { id: '900001' }, columns: [], kind: 'extra-in-target' },
    ]);
    await pg.client.query('DELETE FROM author WHERE id = 900001');

    // a cascade that differs between the sides changes rows no recorded key names: verify every table
    await pg.client.query('ALTER TABLE tag DROP CONSTRAINT tag_book_id_fkey');
    await pg.client.query(
      'ALTER TABLE tag ADD CONSTRAINT tag_book_id_fkey FOREIGN KEY (book_id) REFERENCES book(id)',
    );
    const lines: string[] = [];
    const full = await runCutover({ mysqlUrl: my.url, pgUrl: pg.url, manifest, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(
      /foreign key tag\(book_id\)→book: MySQL on delete c on update a, PostgreSQL no cascade/,
    );
    expect(full.verify.mode).toBe('full');
    expect(full.verify.ok).toBe(true);
  });
});
