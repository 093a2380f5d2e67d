import { quoteMysqlIdent } from '@conv/core';
import mysql from 'mysql2/promise';

export function withDb(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function mysqlAdmin(url: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    uri: url,
    multipleStatements: true,
    charset: 'utf8mb4',
    dateStrings: true,
  });
}

export async function mysqlDatabaseExists(url: string, name: string): Promise<boolean> {
  const conn = await mysqlAdmin(url);
  try {
    const [rows] = await conn.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      name,
    ]);
    return (rows as unknown[]).length > 0;
  } finally {
    await conn.end();
  }
}

export async function recreateMysqlDatabase(url: string, name: string): Promise<void> {
  const conn = await mysqlAdmin(url);
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(name)}`);
    await conn.query(
      `CREATE DATABASE ${quoteMysqlIdent(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`,
    );
  } finally {
    await conn.end();
  }
}
