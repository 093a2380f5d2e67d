// Issue 13 item 3 (MySQL side): a server that keeps the socket open and stops sending mid-stream. A TCP
// proxy in front of the test's MariaDB stops forwarding the server's bytes once a connection has passed
// 1 MB (only the table's stream does): the export must end by its idle timeout, exit 5, naming the table,
// leaving no file and no manifest.
import { existsSync, readdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ConvError, ExitCode } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDatabase } from '../src/index.js';
import { tempDir } from './helpers.js';

const FREEZE_AFTER = 1024 * 1024;

describe('a MySQL server that stops sending mid-stream', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(
      `CREATE TABLE hang (id int PRIMARY KEY, v text);
       INSERT INTO hang SELECT seq, REPEAT('x', 200) FROM seq_1_to_50000`,
    );
  });
  const pg = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE hang (id int PRIMARY KEY, v text)');
  });

  let proxy: Server;
  const sockets: Socket[] = [];
  let frozen = 0;
  beforeAll(async () => {
    const upstream = new URL(my.url);
    proxy = createServer((client) => {
      const server = connect(Number(upstream.port || 3306), upstream.hostname);
      sockets.push(client, server);
      let passed = 0;
      client.pipe(server);
      server.on('data', (chunk: Buffer) => {
        passed += chunk.length;
        if (passed > FREEZE_AFTER) {
          if (passed - chunk.length <= FREEZE_AFTER) frozen++;
          server.pause(); // the socket stays open, nothing more arrives
          return;
        }
        client.write(chunk);
      });
      const close = () => {
        client.destroy();
        server.destroy();
      };
      client.on('close', close);
      client.on('error', close);
      server.on('error', close);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    proxy?.close();
  });

  it('ends by the idle timeout: exit 5, the table named, nothing left complete', async () => {
    const plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    const viaProxy = new URL(my.url);
    viaProxy.port = String((proxy.address() as { port: number }).port);
    const out = tempDir();
    const started = Date.now();
    const err = await exportDatabase({
      mysqlUrl: viaProxy.toString(),
      plan,
      outDir: out,
      app: 'hang',
      jobs: 1,
      idleMs: 1500,
    }).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(frozen).toBe(1);
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.exitCode, e.message).toBe(ExitCode.connection);
    expect(e.code).toBe('connect.stalled');
    expect(e.message).toContain('hang');
    expect(e.message).toMatch(/sent nothing for 2 s/);
    expect(took).toBeLessThan(15_000);
    const dir = join(out, 'hang');
    const left = existsSync(dir) ? readdirSync(dir).flatMap((d) => readdirSync(join(dir, d))) : [];
    expect(left).toEqual([]);
  }, 60_000);
});
