import { pgLiteral, quotePgIdent, quotePgQualified } from '@conv/core';

// The one literal rule lives in @conv/core; re-exported for the loader's modules and its public API.
export { pgLiteral };

/** One statement the loader runs: `text` with `$n` parameters for the server, `script` for the SQL file. */
export interface Statement {
  text: string;
  values?: unknown[];
  /** What the import script shows (literals instead of parameters, or a psql `\copy` line). */
  script?: string;
}

export function columnList(columns: readonly string[]): string {
  return columns.map(quotePgIdent).join(', ');
}

/** `COPY "s"."t" ("a", "b") FROM STDIN (FORMAT csv, HEADER true)`: the header was validated beforehand. */
export function copyFromStdin(
  schema: string,
  table: string,
  columns: readonly string[],
  freeze = false,
): string {
  return `COPY ${quotePgQualified(schema, table)} (${columnList(columns)}) FROM STDIN (FORMAT csv, HEADER true${freeze ? ', FREEZE true' : ''})`;
}

/**
 * The psql equivalent of a COPY for the script: `\copy` reads the file on the client like the loader does.
 * The file name is relative to the export directory (the script lives there: run psql from it).
 */
export function psqlCopyLine(
  schema: string,
  table: string,
  columns: readonly string[],
  file: string,
  freeze = false,
): string {
  if (/[\r\n]/.test(file))
    throw new Error(`file name with a line break cannot be written to a psql script: ${file}`);
  return `\\copy ${quotePgQualified(schema, table)} (${columnList(columns)}) from ${pgLiteral(file)} with (format csv, header true${freeze ? ', freeze true' : ''})`;
}

/**
 * `TRUNCATE TABLE ONLY a, ONLY b, …` — every table in one statement, so no table can be emptied after it
 * was loaded. ONLY keeps the rows of inheritance children that are not themselves listed; a partitioned
 * table (`only: false`) refuses ONLY and its partitions are its own rows.
 */
export function truncateAll(tables: readonly { schema: string; name: string; only?: boolean }[]): string {
  const list = tables.map((t) => `${t.only === false ? '' : 'ONLY '}${quotePgQualified(t.schema, t.name)}`);
  return `TRUNCATE TABLE ${list.join(', ')}`;
}
