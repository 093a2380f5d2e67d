// Issue 10 item 2: one PostgreSQL session setup and one MySQL session setup for every step.
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { connectMysql, SESSION_STATEMENTS } from '../src/mysql/index.js';
import { connectPg, withPg } from '../src/postgres/index.js';

describe('PostgreSQL session', () => {
  const db = usePgDatabase();

  it('names itself and takes the lock timeout', async () => {
    const client = await connectPg(db.url, { application: 'conv test', lockMs: 1500 });
    try {
      const res = await client.query(
        "SELECT current_setting('application_name') AS app, current_setting('lock_timeout') AS lock",
      );
      expect(res.rows[0]).toEqual({ app: 'conv test', lock: '1500ms' });
    } finally {
      await client.end();
    }
  });

  it('refuses a wrong password with the caller’s code, naming the server, never the password', async () => {
    const u = new URL(db.url);
    u.username = 'conv_nobody';
    u.password = 'S3cret-pw';
    const err = await withPg(u.toString(), async () => 'connected', {
      application: 'conv test',
    }).catch((e: unknown) => e as Error & { code: string });
    expect(err).toMatchObject({ code: 'connect.failed' });
    expect((err as Error).message).toMatch(/cannot connect to PostgreSQL at /);
    expect((err as Error).message).not.toContain('S3cret-pw');
  });
});

describe('MySQL session', () => {
  const my = useMysqlDatabase();

  it('runs every session statement and names an unknown database', async () => {
    expect(SESSION_STATEMENTS).toHaveLength(4);
    const conn = await connectMysql(my.url);
    try {
      const [rows] = await conn.query('SELECT @@session.time_zone AS tz, @@session.net_read_timeout AS rt');
      expect((rows as { tz: string; rt: unknown }[])[0]).toMatchObject({ tz: '+00:00' });
      expect(Number((rows as { rt: unknown }[])[0]?.rt)).toBe(3600);
    } finally {
      await conn.end();
    }
    const err = await connectMysql(my.url, 'conv_no_such_db').catch(
      (e: unknown) => e as Error & { code: string },
    );
    expect(err).toMatchObject({ code: 'source.unknown-database' });
    expect((err as Error).message).toContain('"conv_no_such_db"');
  });
});
