import {
  quotePgQualified,
  SAVED_FOREIGN_KEYS_FALLBACK_TABLE,
  SAVED_FOREIGN_KEYS_SCHEMA,
  SAVED_FOREIGN_KEYS_TABLE,
} from '@conv/core';
import type pg from 'pg';

/** A foreign key of a loaded table that is not as the schema had it. */
export interface ConstraintProblem {
  table: string;
  constraint: string;
  /** `missing`: dropped by an import that did not finish (saved by the loader, not in the catalog). */
  problem: 'missing' | 'not-valid';
  detail: string;
}

/**
 * The rows can all match while the schema around them does not: a per-table load killed after dropping
 * its foreign keys leaves them saved by the loader (see pg-loader saved-constraints.ts) and absent from
 * the catalog; a key re-added `NOT VALID` was never checked. Both make verify fail.
 */
export async function checkConstraints(
  client: pg.ClientBase,
  tables: readonly { schema: string; name: string }[],
): Promise<ConstraintProblem[]> {
  const schemas = [...new Set(tables.map((t) => t.schema))];
  const loaded = new Set(tables.map((t) => `${t.schema}.${t.name}`));
  const problems: ConstraintProblem[] = [];
  const places = [
    quotePgQualified(SAVED_FOREIGN_KEYS_SCHEMA, SAVED_FOREIGN_KEYS_TABLE),
    ...schemas.map((s) => quotePgQualified(s, SAVED_FOREIGN_KEYS_FALLBACK_TABLE)),
  ];
  for (const place of places) {
    const exists = await client.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [
      place,
    ]);
    if (!exists.rows[0]?.t) continue;
    const saved = await client.query<{ schema_name: string; table_name: string; name: string; def: string }>(
      `SELECT s.schema_name, s.table_name, s.name, s.fk->>'definition' AS def FROM ${place} s
        WHERE s.target_schema = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                            JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
                            JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                           WHERE c.contype = 'f' AND c.conname = s.name AND r.relname = s.table_name
                             AND n.nspname = s.schema_name)
        ORDER BY 1, 2, 3`,
      [schemas],
    );
    for (const r of saved.rows) {
      problems.push({
        table: r.table_name,
        constraint: r.name,
        problem: 'missing',
        detail: `dropped by an import that did not finish (${r.def}); run the import again to restore it`,
      });
    }
  }
  const notValid = await client.query<{ schema: string; table: string; name: string }>(
    `SELECT n.nspname AS schema, r.relname AS "table", c.conname AS name
       FROM pg_catalog.pg_constraint c
       JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
      WHERE c.contype = 'f' AND NOT c.convalidated AND n.nspname = ANY($1::text[])
      ORDER BY 1, 2, 3`,
    [schemas],
  );
  for (const r of notValid.rows) {
    if (!loaded.has(`${r.schema}.${r.table}`)) continue;
    problems.push({
      table: r.table,
      constraint: r.name,
      problem: 'not-valid',
      detail: `NOT VALID: existing rows were never checked (ALTER TABLE … VALIDATE CONSTRAINT ${r.name})`,
    });
  }
  return problems;
}
