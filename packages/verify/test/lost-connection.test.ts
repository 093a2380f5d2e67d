// A connection that dies while verify reads is the server's fault, not the data's: exit 5 (connection)
// naming the table and the engine, like export and import. It was exit 1 ("unexpected") before, which a
// `run --via migrate` killed mid-verify showed.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { ExitCode, type PlannedTable } from '@conv/core';
import { connectMysql } from '@conv/dialect/mysql';
import { connectPg } from '@conv/dialect/postgres';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { queryError } from '../src/verify.js';

const my = useMysqlDatabase();
const pg = usePgDatabase();
const table = { source: 'wide', target: 'wide', targetSchema: 'public' } as PlannedTable;

describe('verify on a connection that dies', () => {
  it('MySQL killed: exit 5 naming the table and MySQL', async () => {
    const conn = await connectMysql(my.url);
    const [[row]] = (await conn.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    await my.query(`KILL ${Number(row.id)}`);
    const err = await conn.query('SELECT 1').then(
      () => undefined,
      (e: unknown) => e,
    );
    conn.destroy();
    const conv = queryError(err, table);
    expect(conv.exitCode).toBe(ExitCode.connection);
    expect(conv.message).toMatch(/^verifying wide → public\.wide failed: the connection to MySQL was lost/);
    expect(conv.location.table).toBe('wide');
  });

  it('PostgreSQL backend terminated: exit 5 naming the table and PostgreSQL', async () => {
    const client = await connectPg(pg.url, { application: 'conv verify test' });
    client.on('error', () => {}); // the terminated session also emits on the client
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await pg.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const err = await client.query('SELECT 1').then(
      () => undefined,
      (e: unknown) => e,
    );
    await client.end().catch(() => {});
    const conv = queryError(err, table);
    expect(conv.exitCode).toBe(ExitCode.connection);
    expect(conv.message).toMatch(
      /^verifying wide → public\.wide failed: the connection to PostgreSQL was lost/,
    );
  });

  it.each(['PostgreSQL', 'MySQL'] as const)(
    '%s socket reset by the network (ECONNRESET): exit 5 naming that engine',
    async (engine) => {
      // A proxy in front of the server that resets the client's socket once the session is up.
      const upstream = engine === 'MySQL' ? new URL(my.url) : new URL(pg.url);
      const sockets: Socket[] = [];
      const proxy = createServer((client) => {
        const server = connect(Number(upstream.port), upstream.hostname);
        sockets.push(client);
        client.pipe(server).pipe(client);
        client.on('error', () => server.destroy());
        server.on('error', () => client.destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      const via = new URL(upstream);
      via.hostname = '127.0.0.1';
      via.port = String((proxy.address() as AddressInfo).port);
      let err: unknown;
      if (engine === 'MySQL') {
        const conn = await connectMysql(via.toString());
        conn.on('error', () => {});
        const pending = conn.query('SELECT SLEEP(5)').catch((e: unknown) => e);
        for (const s of sockets) s.resetAndDestroy();
        err = await pending;
        conn.destroy();
      } else {
        const client = await connectPg(via.toString(), { application: 'conv verify test' });
        client.on('error', () => {});
        const pending = client.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
        for (const s of sockets) s.resetAndDestroy();
        err = await pending;
        await client.end().catch(() => {});
      }
      proxy.close();
      expect((err as { code?: string }).code).toBe('ECONNRESET');
      const conv = queryError(err, table);
      expect(conv.exitCode).toBe(ExitCode.connection);
      expect(conv.message).toContain(`the connection to ${engine} was lost`);
      expect(conv.location.engine).toBe(engine);
    },
  );

  it('any other error stays what it was (exit 1, the driver message)', () => {
    const conv = queryError(Object.assign(new Error('division by zero'), { code: '22012' }), table);
    expect(conv.exitCode).toBe(ExitCode.unexpected);
    expect(conv.message).toBe('verifying wide → public.wide failed: division by zero');
  });
});
