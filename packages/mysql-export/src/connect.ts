import { ConvError, connectionError, ExitCode, redactText, serverOf } from '@conv/core';
import mysql from 'mysql2/promise';

/**
 * How rows must arrive for exact export: dates, decimals and 64-bit integers as strings, JSON as text,
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

/** The database named in a mysql:// URL, if any. */
export function databaseOf(url: string): string | undefined {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A connection for exporting: session time zone UTC (TIMESTAMP values print in UTC), utf8mb4, long network
 * timeouts (a paused stream must not be cut while the disk catches up).
 */
export async function connectMysql(url: string, database?: string): Promise<mysql.Connection> {
  const server = serverOf(url);
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      uri: url,
      ...(database ? { database } : {}),
      ...EXACT_READ_OPTIONS,
    });
  } catch (err) {
    throw connectError(err, url, database);
  }
  try {
    await conn.query("SET time_zone = '+00:00'");
    await conn.query('SET NAMES utf8mb4');
    await conn.query(EXACT_SUBQUERY_SESSION);
    await conn.query('SET SESSION net_write_timeout = 3600, SESSION net_read_timeout = 3600');
  } catch (err) {
    await conn.end().catch(() => {});
    throw new ConvError(
      `cannot prepare the MySQL session on ${server}: ${redactText((err as Error).message, [url])}`,
      'export.connect',
      ExitCode.connection,
      { server },
      undefined,
      { cause: err },
    );
  }
  return conn;
}

function connectError(err: unknown, url: string, database?: string): ConvError {
  const e = err as { code?: string; message?: string };
  const server = serverOf(url);
  const db = database ?? databaseOf(url);
  if (e.code === 'ER_BAD_DB_ERROR') {
    return new ConvError(
      `unknown database ${JSON.stringify(db)} on MySQL server ${server}`,
      'export.unknown-database',
      ExitCode.connection,
      { server },
      'check the database name in the source URL (SHOW DATABASES lists them)',
      { cause: err },
    );
  }
  if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR') {
    return new ConvError(
      `MySQL server ${server} refused the login: ${redactText(e.message ?? '', [url])}`,
      'export.connect',
      ExitCode.connection,
      { server },
      'check the user and password of the source URL and its grants',
      { cause: err },
    );
  }
  return connectionError('MySQL', url, err, 'export.connect', {
    location: { server },
    hint: 'check that the server is running and reachable at that host and port',
  });
}
