import { quotePgQualified } from '@conv/core';
import type pg from 'pg';

/** A secondary index of a loaded table: dropped before its COPY and rebuilt after (deferred). */
export interface DeferredIndex {
  schema: string;
  name: string;
  /** pg_get_indexdef(): the table is schema-qualified, the index is created in the table's schema. */
  definition: string;
}

/** Index `i` of table `c` (schema `n`) can be dropped and re-created by this role, and backs no constraint. */
const DEFERRABLE = `c.relkind = 'r'
        -- dropping needs ownership of the table, re-creating also CREATE on the schema
        AND pg_catalog.pg_has_role(c.relowner, 'USAGE') AND pg_catalog.has_schema_privilege(n.oid, 'CREATE')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid)`;

/**
 * The indexes of one table that can be rebuilt after the load: every index that backs no constraint
 * (primary keys, unique and exclusion constraints keep theirs, and so does a unique index a foreign key
 * points at), when the role may drop and re-create them. Building an index once over the loaded rows is cheaper than maintaining it row by row.
 */
export async function deferrableIndexes(
  client: pg.ClientBase,
  schema: string,
  table: string,
): Promise<DeferredIndex[]> {
  const res = await client.query<{ name: string; definition: string }>(
    `SELECT ic.relname AS name,
pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND ${DEFERRABLE}
      ORDER BY ic.relname`,
    [schema, table],
  );
  return res.rows.map((r) => ({ schema, name: r.name, definition: r.definition }));
}

/** How many indexes of `tables` are deferrable (see deferrableIndexes): the total of the step's index builds. */
export async function countDeferrableIndexes(
  client: pg.ClientBase,
  schema: string,
  tables: string[],
): Promise<number> {
  if (tables.length === 0) return 0;
  const res = await client.query<{ n: string }>(
    `SELECT count(*) AS n
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND ${DEFERRABLE}`,
    [schema, tables],
  );
  return Number(res.rows[0]?.n ?? 0);
}

export function dropIndex(index: DeferredIndex): string {
  return `DROP INDEX ${quotePgQualified(index.schema, index.name)}`;
}
