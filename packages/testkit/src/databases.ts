import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { ServerInfo } from './servers.js';

/**
 * Test databases are named `conv_t_<host>_<pid>_<created>_<random>` so that a later run can tell which
 * ones a dead process left behind (same host, pid gone) or which are simply old (another host).
 */
const PREFIX = 'conv_t_';
const NAME_RE = /^conv_t_([0-9a-f]{6})_(\d+)_([0-9a-z]+)_[0-9a-z]+$/;
const MAX_FOREIGN_AGE_MS = 6 * 3600 * 1000;

export const HOST_TAG = createHash('sha1').update(hostname()).digest('hex').slice(0, 6);

export function newDatabaseName(now = Date.now(), pid = process.pid): string {
  return `${PREFIX}${HOST_TAG}_${pid}_${Math.floor(now / 1000).toString(36)}_${randomBytes(3).toString('hex')}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a test database was left behind by a run that is no longer alive. */
export function isStale(name: string, now = Date.now()): boolean {
  const m = NAME_RE.exec(name);
  if (!m) return false;
  const [, host, pid, created] = m as unknown as [string, string, string, string];
  const ageMs = now - Number.parseInt(created, 36) * 1000;
  if (host === HOST_TAG) return !pidAlive(Number(pid));
  return ageMs > MAX_FOREIGN_AGE_MS;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export interface TestMysqlDb {
  name: string;
  /** URL of this database (credentials included: for tests only). */
  url: string;
  server: ServerInfo;
  /** A connection to this database with multipleStatements on. */
  conn: mysql.Connection;
  query<T = mysql.RowDataPacket[]>(sql: string, params?: unknown[]): Promise<T>;
  drop(): Promise<void>;
}

export interface TestPgDb {
  name: string;
  url: string;
  server: ServerInfo;
  client: pg.Client;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createMysqlDatabase(server: ServerInfo): Promise<TestMysqlDb> {
  const name = newDatabaseName();
  const admin = await mysql.createConnection({ uri: server.url });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(server.url, name);
  const conn = await mysql.createConnection({
    uri: url,
    multipleStatements: true,
    charset: 'utf8mb4',
    timezone: 'Z',
  });
  await conn.query("SET time_zone = '+00:00'");
  return {
    name,
    url,
    server,
    conn,
    async query<T>(sql: string, params?: unknown[]) {
      const [rows] = await conn.query(sql, params);
      return rows as T;
    },
    async drop() {
      await conn.end().catch(() => {});
      await dropMysqlDatabase(server, name);
    },
  };
}

export async function dropMysqlDatabase(server: ServerInfo, name: string): Promise<void> {
  const admin = await mysql.createConnection({ uri: server.url });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name.replaceAll('`', '``')}\``);
  } finally {
    await admin.end();
  }
}

export async function createPgDatabase(server: ServerInfo): Promise<TestPgDb> {
  const name = newDatabaseName();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(server.url, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    name,
    url,
    server,
    client,
    async query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      const res = await client.query<T>(sql, params);
      return res.rows;
    },
    async drop() {
      await client.end().catch(() => {});
      await dropPgDatabase(server, name);
    },
  };
}

export async function dropPgDatabase(server: ServerInfo, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Drops every test database (and test role) a dead or old run left behind; returns the names dropped. */
export async function cleanupStaleDatabases(servers: {
  mysql: ServerInfo;
  pg: ServerInfo;
}): Promise<string[]> {
  const dropped: string[] = [];
  const admin = await mysql.createConnection({ uri: servers.mysql.url });
  try {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'conv\\_t\\_%'",
    );
    for (const { name } of rows as { name: string }[]) {
      if (!isStale(name)) continue;
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      dropped.push(`mysql:${name}`);
    }
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ connectionString: servers.pg.url });
  await client.connect();
  try {
    const res = await client.query<{ name: string }>(
      "SELECT datname AS name FROM pg_database WHERE datname LIKE 'conv\\_t\\_%'",
    );
    for (const { name } of res.rows) {
      if (!isStale(name)) continue;
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      dropped.push(`pg:${name}`);
    }
    const roles = await client.query<{ name: string }>(
      "SELECT rolname AS name FROM pg_roles WHERE rolname LIKE 'conv\\_t\\_%'",
    );
    for (const { name } of roles.rows) {
      if (!isStale(name)) continue;
      await client.query(`DROP ROLE IF EXISTS "${name}"`).catch(() => {});
      dropped.push(`pg-role:${name}`);
    }
  } finally {
    await client.end();
  }
  return dropped;
}

/** A PostgreSQL login role named like a test database (cleaned up the same way). */
export async function createPgRole(server: ServerInfo, options: { superuser?: boolean } = {}) {
  const name = newDatabaseName();
  const password = randomBytes(12).toString('hex');
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(
      `CREATE ROLE "${name}" LOGIN ${options.superuser ? 'SUPERUSER' : 'NOSUPERUSER'} PASSWORD '${password}'`,
    );
  } finally {
    await admin.end();
  }
  return {
    name,
    password,
    /** The URL of `database` as this role. */
    urlFor(database: string) {
      const u = new URL(withDatabase(server.url, database));
      u.username = name;
      u.password = password;
      return u.toString();
    },
    async drop() {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      try {
        await c.query(`DROP ROLE IF EXISTS "${name}"`);
      } finally {
        await c.end();
      }
    },
  };
}
