import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';

export type ServerKind = 'mysql' | 'pg';

export interface ServerInfo {
  kind: ServerKind;
  /** Admin URL without a database (MySQL) or with the maintenance database (PostgreSQL). */
  url: string;
  /** How it was found. */
  origin: 'env' | 'local' | 'testcontainers';
  /** `MariaDB 10.11.19`, `MySQL 8.4.3`, `PostgreSQL 15.20`. */
  version: string;
  flavor: 'mariadb' | 'mysql' | 'postgres';
}

export interface ResolvedServers {
  mysql: ServerInfo;
  pg: ServerInfo;
  /** Stops containers started by testcontainers; a no-op otherwise. */
  stop(): Promise<void>;
}

export const LOCAL_MYSQL_URL = 'mysql://root@127.0.0.1:3306/';
export const LOCAL_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const LABEL: Record<ServerKind, string> = { mysql: 'MySQL/MariaDB', pg: 'PostgreSQL' };
const ENV: Record<ServerKind, string> = { mysql: 'CONV_TEST_MYSQL_URL', pg: 'CONV_TEST_PG_URL' };

/** An error meant to be read, not debugged: its stack is its message. */
export class TestServerUnavailableError extends Error {
  override readonly name = 'TestServerUnavailableError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

function mask(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = (e?.message ?? String(err)).split('\n')[0] ?? '';
  return e?.code && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg || String(e?.code ?? err);
}

/** Connects once and reads the server version; throws on failure. */
export async function probe(
  kind: ServerKind,
  url: string,
  timeoutMs = 3000,
): Promise<ServerInfo['version'] & string> {
  if (kind === 'mysql') {
    const conn = await mysql.createConnection({ uri: url, connectTimeout: timeoutMs });
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
      const v = String(rows[0]?.['v'] ?? '');
      return /mariadb/i.test(v) ? `MariaDB ${v.split('-')[0]}` : `MySQL ${v}`;
    } finally {
      await conn.end().catch(() => {});
    }
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  await client.connect();
  try {
    const res = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return `PostgreSQL ${res.rows[0]?.v.split(' ')[0] ?? '?'}`;
  } finally {
    await client.end().catch(() => {});
  }
}

function flavorOf(version: string): ServerInfo['flavor'] {
  if (version.startsWith('MariaDB')) return 'mariadb';
  if (version.startsWith('MySQL')) return 'mysql';
  return 'postgres';
}

function dockerReachable(): boolean {
  return Boolean(process.env['DOCKER_HOST']) || existsSync('/var/run/docker.sock');
}

function fixFor(kind: ServerKind): string {
  return kind === 'mysql'
    ? `start MariaDB/MySQL on 127.0.0.1:3306 (root, no password) — on the dev machine: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd — or set ${ENV.mysql}=mysql://USER:PASSWORD@HOST:PORT/ , or start a Docker engine so testcontainers can run mysql:8.4`
    : `start PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) — on the dev machine: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start — or set ${ENV.pg}=postgres://USER:PASSWORD@HOST:PORT/postgres , or start a Docker engine so testcontainers can run postgres:16`;
}

type Started = { info: ServerInfo; stop: () => Promise<void> };

async function startContainer(kind: ServerKind): Promise<Started> {
  if (kind === 'mysql') {
    const { MySqlContainer } = await import('@testcontainers/mysql');
    const c = await new MySqlContainer('mysql:8.4').withRootPassword('conv').start();
    const url = `mysql://root:conv@${c.getHost()}:${c.getPort()}/`;
    const version = await probe(kind, url);
    return {
      info: { kind, url, origin: 'testcontainers', version, flavor: flavorOf(version) },
      stop: () => c.stop().then(() => {}),
    };
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const c = await new PostgreSqlContainer('postgres:16').start();
  const url = c.getConnectionUri();
  const version = await probe(kind, url);
  return {
    info: { kind, url, origin: 'testcontainers', version, flavor: flavorOf(version) },
    stop: () => c.stop().then(() => {}),
  };
}

/**
 * Finds one server of a kind: the env URL when set (and then only it), else the local default port,
 * else a testcontainers container when Docker is reachable, else a readable error with the fix.
 */
export async function resolveServer(
  kind: ServerKind,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Started> {
  const fromEnv = env[ENV[kind]];
  if (fromEnv) {
    try {
      const version = await probe(kind, fromEnv);
      return {
        info: { kind, url: fromEnv, origin: 'env', version, flavor: flavorOf(version) },
        stop: async () => {},
      };
    } catch (err) {
      throw new TestServerUnavailableError(
        `${LABEL[kind]} test server not reachable at ${ENV[kind]}=${mask(fromEnv)} (${reason(err)}).\n` +
          `Fix: correct ${ENV[kind]} or unset it to use the local server; otherwise ${fixFor(kind)}.`,
      );
    }
  }
  const tried: string[] = [];
  const local = kind === 'mysql' ? LOCAL_MYSQL_URL : LOCAL_PG_URL;
  try {
    const version = await probe(kind, local);
    return {
      info: { kind, url: local, origin: 'local', version, flavor: flavorOf(version) },
      stop: async () => {},
    };
  } catch (err) {
    tried.push(`${mask(local)}: ${reason(err)}`);
  }
  if (dockerReachable()) {
    try {
      return await startContainer(kind);
    } catch (err) {
      tried.push(`testcontainers: ${reason(err)}`);
    }
  } else {
    tried.push('testcontainers: no Docker engine reachable (no DOCKER_HOST, no /var/run/docker.sock)');
  }
  throw new TestServerUnavailableError(
    `No ${LABEL[kind]} test server available. Tried: ${ENV[kind]} (not set); ${tried.join('; ')}.\nFix: ${fixFor(kind)}.`,
  );
}

export async function resolveServers(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedServers> {
  const [m, p] = await Promise.allSettled([resolveServer('mysql', env), resolveServer('pg', env)]);
  const errors = [m, p]
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason);
  const started = [m, p]
    .filter((r): r is PromiseFulfilledResult<Started> => r.status === 'fulfilled')
    .map((r) => r.value);
  if (errors.length > 0) {
    await Promise.all(started.map((s) => s.stop()));
    throw new TestServerUnavailableError(errors.map((e) => (e as Error).message).join('\n'));
  }
  const [mysqlServer, pgServer] = started as [Started, Started];
  return {
    mysql: mysqlServer.info,
    pg: pgServer.info,
    stop: async () => {
      await Promise.all(started.map((s) => s.stop()));
    },
  };
}
