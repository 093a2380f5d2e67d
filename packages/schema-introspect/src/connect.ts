import { connectionError } from '@conv/core';
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
  } finally {
    await conn.end().catch(() => {});
  }
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
  try {
    return await fn(client);
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
