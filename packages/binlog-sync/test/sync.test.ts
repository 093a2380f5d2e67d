import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Manifest } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';
import { importDirectory } from '@conv/pg-loader';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import {
  type BinlogServer,
  createMysqlDatabase,
  type ServerInfo,
  startBinlogMariadb,
  type TestMysqlDb,
  usePgDatabase,
} from '@conv/testkit';
import { formatVerifyReport } from '@conv/verify';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCutover, startSync } from '../src/index.js';
import { readPosition } from '../src/internal.js';
import { MYSQL_SCHEMA, PG_SCHEMA, seed, startWriter } from './source.js';
import { bundleWorker } from './workers/bundle.js';

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
  worker = await bundleWorker('sync-worker', work);
});
afterAll(async () => {
  await my?.drop().catch(() => {});
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

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
});
