import mysql from 'mysql2/promise';

/** A MySQL string literal for a generated fix statement (escaping as mysql2/sqlstring does). */
export function mysqlLiteral(value: string | number): string {
  return mysql.escape(value);
}

/** A PostgreSQL string literal (standard_conforming_strings: only the quote is doubled). */
export function pgLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a PostgreSQL literal cannot hold a NUL byte');
  return `'${value.replaceAll("'", "''")}'`;
}
