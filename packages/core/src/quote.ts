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

/**
 * A PostgreSQL string literal, for SQL that is printed or saved (scripts, fix suggestions) — values sent to
 * a server go as parameters. libpq's PQescapeLiteral rule: quotes doubled, and `E'…'` with doubled
 * backslashes when the text holds one, so it means the same whatever `standard_conforming_strings` says.
 */
export function pgLiteral(value: string): string {
  if (value.includes('\0'))
    throw new Error(`a PostgreSQL literal cannot hold a NUL byte: ${JSON.stringify(value)}`);
  const body = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`;
}
