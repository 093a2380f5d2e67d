import {
  type ConnectMysqlOptions,
  type MysqlSource,
  withMysql as withDialectMysql,
} from '@conv/dialect/mysql';
import type mysql from 'mysql2/promise';

export type { PgSource } from '@conv/dialect/postgres';
export type { MysqlSource };

const CHECK_CONNECT: ConnectMysqlOptions = {
  hint: 'check the URL, the server and the credentials',
};

/**
 * Runs `fn` with a MySQL connection: the given one (left open), or one opened from the URL (closed after)
 * with the export's own session, so what check scans is what export reads.
 */
export function withMysql<T>(source: MysqlSource, fn: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  return withDialectMysql(source, fn, CHECK_CONNECT);
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
