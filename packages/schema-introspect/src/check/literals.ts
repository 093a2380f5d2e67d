/** A PostgreSQL string literal for a generated fix statement (standard_conforming_strings: only `'` doubles). */
export function pgLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a PostgreSQL literal cannot hold a NUL byte');
  return `'${value.replaceAll("'", "''")}'`;
}
