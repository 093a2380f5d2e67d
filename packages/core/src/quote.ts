/** Quote an identifier for MySQL/MariaDB: backticks, embedded backticks doubled. */
export function quoteMysqlIdent(name: string): string {
  if (name.includes('\0')) throw new Error(`identifier contains a NUL byte: ${JSON.stringify(name)}`);
  return '`' + name.replaceAll('`', '``') + '`';
}

/** Quote an identifier for PostgreSQL: double quotes, embedded quotes doubled. Always quoted (keeps case). */
export function quotePgIdent(name: string): string {
  if (name.includes('\0')) throw new Error(`identifier contains a NUL byte: ${JSON.stringify(name)}`);
  return '"' + name.replaceAll('"', '""') + '"';
}

/** `"schema"."table"` */
export function quotePgQualified(schema: string, name: string): string {
  return `${quotePgIdent(schema)}.${quotePgIdent(name)}`;
}
