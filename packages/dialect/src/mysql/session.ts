import {
  ConvError,
  connectionError,
  ExitCode,
  isMysqlLostConnection,
  lostSessionError,
  redactText,
  serverOf,
} from '@conv/core';
import mysql from 'mysql2/promise';

/**
 * How rows must arrive for exact reading: dates, decimals and 64-bit integers as strings, JSON as text,
 * binary as Buffer (mysql2 does that for charset 63 by itself). No typeCast: mysql2's generated parsers
 * already give every type we need, and a typeCast function would run per field.
 */
export const EXACT_READ_OPTIONS = {
  charset: 'utf8mb4',
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
  jsonStrings: true,
  timezone: 'Z',
} as const;

/**
 * MariaDB's subquery cache keys a correlated subquery by the outer column in that column's collation: a
 * lookup transform comparing bytes would reuse the answer for 'space' when it meets 'Space'. Off for our
 * sessions, through a MariaDB-only executable comment (MySQL has no such cache and no such switch).
 */
export const EXACT_SUBQUERY_SESSION =
  "SET @conv_session = 1 /*M! , SESSION optimizer_switch = 'subquery_cache=off' */";

/**
 * Every session conv opens on MySQL/MariaDB, in order: TIMESTAMP values print in UTC, text in utf8mb4, no
 * subquery cache, long network timeouts (a paused stream must not be cut while the disk catches up).
 */
export const SESSION_STATEMENTS = [
  "SET time_zone = '+00:00'",
  'SET NAMES utf8mb4',
  EXACT_SUBQUERY_SESSION,
  'SET SESSION net_write_timeout = 3600, SESSION net_read_timeout = 3600',
] as const;

/** The database named in a mysql:// URL, if any. */
export function databaseOf(url: string): string | undefined {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name || undefined;
  } catch {
    return undefined;
  }
}

export interface ConnectMysqlOptions {
  /** Hint for a server that cannot be reached. */
  hint?: string;
}

/**
 * The one way conv opens a MySQL/MariaDB session: check scans, export reads, verify compares, migrate and
 * sync stream through the same read options and session settings, so what check scans is what export reads.
 */
export async function connectMysql(
  url: string,
  database?: string,
  options: ConnectMysqlOptions = {},
): Promise<mysql.Connection> {
  const server = serverOf(url);
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      uri: url,
      ...(database ? { database } : {}),
      ...EXACT_READ_OPTIONS,
    });
  } catch (err) {
    throw connectError(err, url, database, options.hint);
  }
  try {
    for (const statement of SESSION_STATEMENTS) await conn.query(statement);
  } catch (err) {
    await conn.end().catch(() => {});
    throw new ConvError(
      `cannot prepare the MySQL session on ${server}: ${redactText((err as Error).message, [url])}`,
      { code: 'connect.failed', exit: ExitCode.connection, at: { server, engine: 'MySQL' }, cause: err },
    );
  }
  return conn;
}

/** A mysql2/promise connection or a `mysql://` URL. */
export type MysqlSource = mysql.Connection | string;

/** Runs `fn` with a MySQL connection: the given one (left open), or one opened from the URL (closed after). */
export async function withMysql<T>(
  source: MysqlSource,
  fn: (conn: mysql.Connection) => Promise<T>,
  options: ConnectMysqlOptions = {},
): Promise<T> {
  if (typeof source !== 'string') return fn(source);
  const conn = await connectMysql(source, undefined, options);
  try {
    return await fn(conn);
  } catch (err) {
    // Our own session died mid-run: a connection error (exit 5), not a problem of the data.
    throw !(err instanceof ConvError) && isMysqlLostConnection(err)
      ? lostSessionError('MySQL', source, err)
      : err;
  } finally {
    await conn.end().catch(() => {});
  }
}

function connectError(
  err: unknown,
  url: string,
  database: string | undefined,
  hint = 'check that the server is running and reachable at that host and port',
): ConvError {
  const e = err as { code?: string; message?: string };
  const server = serverOf(url);
  const db = database ?? databaseOf(url);
  if (e.code === 'ER_BAD_DB_ERROR') {
    return new ConvError(`unknown database ${JSON.stringify(db)} on MySQL server ${server}`, {
      code: 'source.unknown-database',
      exit: ExitCode.connection,
      at: { server, engine: 'MySQL' },
      hint: 'check the database name in the source URL (SHOW DATABASES lists them)',
      cause: err,
    });
  }
  if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR') {
    return new ConvError(`MySQL server ${server} refused the login: ${redactText(e.message ?? '', [url])}`, {
      code: 'connect.failed',
      exit: ExitCode.connection,
      at: { server, engine: 'MySQL' },
      hint: 'check the user and password of the source URL and its grants',
      cause: err,
    });
  }
  return connectionError('MySQL', url, err, { location: { server }, hint });
}
