// `conv sync` and `conv cutover` end to end on a private binlog MariaDB (the shared server has no binlog).
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode } from '@conv/core';
import {
  type BinlogServer,
  createMysqlDatabase,
  startBinlogMariadb,
  type TestMysqlDb,
  usePgDatabase,
} from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { cli, tempDir } from './helpers.js';

describe('conv sync / cutover', () => {
  let server: BinlogServer;
  let source: TestMysqlDb;
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });
  const cwd = tempDir();
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  beforeAll(async () => {
    server = await startBinlogMariadb();
    source = await createMysqlDatabase({
      kind: 'mysql',
      url: server.url,
      origin: 'local',
      version: 'MariaDB',
      flavor: 'mariadb',
    });
    await source.conn.query(GENERATED_MYSQL);
    await fillGenerated(source.conn);
  });
  afterAll(async () => {
    await source?.drop().catch(() => {});
    await server?.stop();
  });

  it('export, import, changes on the source, sync --until-caught-up, cutover: every table equal, logged', async () => {
    const exported = await cli(['export', ...urls(), '--json'], { cwd });
    expect(exported.code).toBe(ExitCode.ok);
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    expect((await cli(['import', dir, ...urls()], { cwd })).code).toBe(ExitCode.ok);

    await source.conn.query(
      "UPDATE account SET notes = NULL, settings = '{\"k\": [1, 2]}' WHERE name LIKE '%1%'",
    );
    await source.conn.query('DELETE FROM post WHERE id % 5 = 0');
    await source.conn.query(
      "INSERT INTO post (accountId, body, score) SELECT id, 'new\\nline', 1.5 FROM account LIMIT 3",
    );
    // The first sync joins a run started by hand: its events are steps of that run, which stays open.
    const opened = await cli(['log', 'started', '--json'], { cwd });
    const { runId } = JSON.parse(opened.stdout) as { runId: string };
    const synced = await cli(['sync', dir, '--until-caught-up', '--run-id', runId, ...urls()], { cwd });
    expect(synced.code, synced.stderr).toBe(ExitCode.ok);
    const joined = (await readAuditLog(join(cwd, 'migration_log.json'))).migration_runs.filter(
      (e) => e.runId === runId,
    );
    expect(joined.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`)).toEqual([
      'started',
      'in_progress:sync',
      'in_progress:sync',
    ]);
    expect(synced.stdout).toMatch(/Sync caught up: applied \d+ change/);
    expect(synced.stderr).toMatch(/sync: starting at binlog/);
    expect(synced.stderr).toMatch(/lag \d+ change\(s\), \d+\.\d s/);
    expect(synced.stdout).toMatch(/background verify ok: \d+ source rows verified/);

    // changes after the background verify, then a target row among them corrupted: cutover refuses (4)
    await source.conn.query("UPDATE post SET body = 'changed' WHERE id % 7 = 1");
    const again = await cli(['sync', dir, '--until-caught-up', '--no-verify', ...urls()], { cwd });
    expect(again.code, again.stderr).toBe(ExitCode.ok);
    const victim = await target.client.query<{ id: number }>(
      'SELECT min(id) AS id FROM post WHERE id % 7 = 1',
    );
    await target.client.query("UPDATE post SET body = 'corrupted' WHERE id = $1", [victim.rows[0]!.id]);
    const refused = await cli(['cutover', dir, ...urls()], { cwd });
    expect(refused.code, refused.stderr).toBe(ExitCode.verifyMismatch);
    expect(refused.stdout).toMatch(new RegExp(`id=${victim.rows[0]!.id}: columns body differ`));
    await target.client.query("UPDATE post SET body = 'changed' WHERE id = $1", [victim.rows[0]!.id]);

    await source.conn.query("UPDATE account SET notes = 'back\\r\\n' WHERE name LIKE '%2%'");
    const cut = await cli(['cutover', dir, ...urls()], { cwd });
    expect(cut.code, cut.stderr).toBe(ExitCode.ok);
    expect(cut.stdout).toMatch(/Cut-over: every table equal/);
    expect(cut.stdout).toMatch(/writes stopped for \d+\.\d s/);
    expect(cut.stdout).toMatch(/row key\(s\) changed since the background verify, compared on both sides/);
    const events = await readAuditLog(join(cwd, 'migration_log.json'));
    const done = events.migration_runs.find((e) => e.step === 'cutover' && e.status === 'completed');
    expect(done?.message).toMatch(/writes stopped \d+ ms \(drain \d+ ms, verify \d+ ms, sequences \d+ ms\)/);
  });

  it('--help lists sync and cutover', async () => {
    const help = await cli(['--help'], { cwd });
    expect(help.stdout).toMatch(/sync <dir>/);
    expect(help.stdout).toMatch(/cutover <dir>/);
  });
});
