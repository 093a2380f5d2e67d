import {
  ConvError,
  connectionError,
  ExitCode,
  isLostConnection,
  isMysqlLostConnection,
  redactText,
  serverOf,
} from '@conv/core';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** A mysql2/promise connection or a `mysql://` URL. */
export type MysqlSource = mysql.Connection | string;
/** A connected pg client (Client or PoolClient) or a `postgres://` URL. */
export type PgSource = pg.ClientBase | string;

/**
 * Runs `fn` with a MySQL connection: the given one (left open), or one opened from the URL (closed after).
 * Our own connections read in UTC and utf8mb4, as the exporter does, so what we scan is what it exports.
 */
export async function withMysql<T>(
  source: MysqlSource,
  fn: (conn: mysql.Connection) => Promise<T>,
): Promise<T> {
  if (typeof source !== 'string') return fn(source);
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      uri: source,
      charset: 'utf8mb4',
      timezone: 'Z',
      dateStrings: true,
    });
    await conn.query("SET time_zone = '+00:00'");
  } catch (err) {
    throw connectionError('MySQL', source, err, 'mysql-connect', {
      hint: 'check the URL, the server and the credentials',
    });
  }
  try {
    return await fn(conn);
  } catch (err) {
    throw !(err instanceof ConvError) && isMysqlLostConnection(err) ? lostError('MySQL', source, err) : err;
  } finally {
    await conn.end().catch(() => {});
  }
}

/**
 * A connection of ours that died mid-run (KILL, restart, crash, network): exit 5 naming the server, not
 * "unexpected" — nothing is wrong with the schema or the data.
 */
function lostError(engine: 'MySQL' | 'PostgreSQL', url: string, err: unknown): ConvError {
  const e = err as { code?: string; message?: string };
  const reason = redactText(`${e?.message ?? String(err)}${e?.code ? ` [${e.code}]` : ''}`, [url]);
  return new ConvError(
    `the connection to ${engine} server ${serverOf(url)} was lost: ${reason}`,
    'connection-lost',
    ExitCode.connection,
    { server: serverOf(url) },
    `the server closed the session (KILL, ${engine === 'MySQL' ? 'KILL QUERY' : 'pg_terminate_backend'}, a restart, a crash or the network): nothing was written; check the server and run again`,
    { cause: err },
  );
}

/** Same for PostgreSQL. */
export async function withPg<T>(source: PgSource, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  if (typeof source !== 'string') return fn(source);
  const client = new pg.Client({ connectionString: source });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw connectionError('PostgreSQL', source, err, 'pg-connect', {
      hint: 'check the URL, the server and the credentials',
    });
  }
  // A terminated backend also emits 'error' on an idle client: without a listener it would crash the process.
  client.on('error', () => {});
  try {
    return await fn(client);
  } catch (err) {
    throw !(err instanceof ConvError) && isLostConnection(err) ? lostError('PostgreSQL', source, err) : err;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Rows of a query as plain objects. */
export async function mysqlRows<T>(
  conn: mysql.Connection,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const [rows] = await conn.query(sql, params);
  return rows as T[];
}

/** information_schema text columns sometimes arrive as Buffers (MySQL 8 utf8mb3 BLOB-typed columns). */
export function str(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

export function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
