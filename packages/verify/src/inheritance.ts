import type pg from 'pg';

/**
 * Target tables (`schema.table`) that have inheritance children (relkind `r`, not partitioned). Their
 * own rows are what the load wrote: verify reads them `FROM ONLY`, so the rows of children outside the
 * plan (kept by the loader's TRUNCATE ONLY) are neither counted nor hashed. A partitioned table's rows
 * are its partitions' rows: no ONLY there.
 */
export async function inheritanceParents(client: pg.ClientBase): Promise<Set<string>> {
  const res = await client.query<{ key: string }>(
    `SELECT n.nspname || '.' || c.relname AS key
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid)`,
  );
  return new Set(res.rows.map((r) => r.key));
}
