import type { TargetForeignKey } from '@conv/core';
import type pg from 'pg';

/**
 * The PostgreSQL catalog queries both readers share (`introspectPg` for check and plan, `readLiveTarget`
 * for the loader), so they cannot disagree on what a table, a column's sequences or a foreign key is.
 */

/** One table of a schema: plain and partitioned tables, partitions and inheritance children included. */
export interface CatalogTableRow {
  oid: number;
  name: string;
  owner: string;
  /** The connected role owns it (directly or through a role it inherits). */
  owned: boolean;
  /** Declaratively partitioned (relkind `p`). */
  partitioned: boolean;
  /** A partition of a partitioned table. */
  partition: boolean;
  /** The table it is a partition or inheritance child of (schema-qualified when in another schema). */
  parent: string | null;
  reltuples: number;
  /** A partitioned table's key as pg_get_partkeydef prints it (`RANGE (id)`, `LIST (region)`, `HASH (id)`). */
  partition_key: string | null;
  /** A partition's bound as PostgreSQL prints it (`FOR VALUES FROM (0) TO (100)`, `DEFAULT`, …). */
  partition_bound: string | null;
}

export async function readTables(client: pg.ClientBase, schema: string): Promise<CatalogTableRow[]> {
  // Partition bounds print their dates in the session's DateStyle: ISO, whatever the database says, so
  // that the source side can compare them (restored after: the client may be the caller's).
  const style = await client.query<{ s: string }>("SELECT current_setting('DateStyle') AS s");
  await client.query("SELECT set_config('DateStyle', 'ISO, YMD', false)");
  try {
    return await tableRows(client, schema);
  } finally {
    await client.query("SELECT set_config('DateStyle', $1, false)", [style.rows[0]?.s ?? 'ISO, MDY']);
  }
}

async function tableRows(client: pg.ClientBase, schema: string): Promise<CatalogTableRow[]> {
  const res = await client.query<CatalogTableRow>(
    `SELECT c.oid::int AS oid, c.relname AS name, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
            pg_catalog.pg_has_role(c.relowner, 'USAGE') AS owned, c.relkind = 'p' AS partitioned,
            c.relispartition AS partition, c.reltuples::float8 AS reltuples,
            CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
            CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
            (SELECT CASE WHEN pn.oid = n.oid THEN p.relname ELSE pn.nspname || '.' || p.relname END
               FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
               JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
              WHERE i.inhrelid = c.oid ORDER BY i.inhseqno LIMIT 1) AS parent
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
      ORDER BY c.relname`,
    [schema],
  );
  return res.rows;
}

/**
 * The sequences of column `a` (an alias of pg_attribute), schema-qualified and quoted, sorted: every one
 * it owns (serial, identity) or its default calls (`DEFAULT nextval('free_seq')` on a sequence owned by
 * nothing, common in hand-written and ported schemas). The load restarts all of them.
 */
export const COLUMN_SEQUENCES = `ARRAY(SELECT DISTINCT pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.relname)
                      FROM pg_catalog.pg_depend d
                      JOIN pg_catalog.pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
                      JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
                     WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                       AND d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                       AND d.objid = (SELECT ad.oid FROM pg_catalog.pg_attrdef ad
                                       WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum)
                    UNION
                    SELECT pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.relname)
                      FROM pg_catalog.pg_depend d
                      JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                      JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
                     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                       AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                       AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
                       AND d.deptype IN ('a', 'i')
                     ORDER BY 1)::text[]`;

/** A foreign key touching a schema (on either side), with what re-creating it requires. */
export interface LiveForeignKey extends TargetForeignKey {
  /** Schema and table of the referencing side. */
  schema: string;
  table: string;
  deferrable: boolean;
  /** The connected role owns the referencing table (needed to drop and re-add the constraint). */
  childOwned: boolean;
  /** The connected role may reference the parent table (needed to re-add the constraint). */
  canReference: boolean;
}

/**
 * Every foreign key whose referencing or referenced table is in `schema`; on a partitioned table its own
 * constraint only, not the copies PostgreSQL keeps on each partition. `definition` is pg_get_constraintdef()
 * under the session's search_path (the loader reads with an empty one: every name schema-qualified).
 */
export async function readForeignKeys(client: pg.ClientBase, schema: string): Promise<LiveForeignKey[]> {
  const res = await client.query<LiveForeignKey>(
    `SELECT con.conname AS name, cn.nspname AS schema, cc.relname AS "table",
            fn.nspname AS "refSchema", fc.relname AS "refTable",
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
                   ORDER BY k.ord)::text[] AS columns,
            ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
                   ORDER BY k.ord)::text[] AS "refColumns",
            pg_catalog.pg_get_constraintdef(con.oid) AS definition,
            con.condeferrable AS deferrable, con.convalidated AS validated,
            pg_catalog.pg_has_role(cc.relowner, 'USAGE') AS "childOwned",
            pg_catalog.has_table_privilege(con.confrelid, 'REFERENCES') AS "canReference"
       FROM pg_catalog.pg_constraint con
       JOIN pg_catalog.pg_class cc ON cc.oid = con.conrelid
       JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace
       JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
       JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE con.contype = 'f' AND con.conparentid = 0 AND (cn.nspname = $1 OR fn.nspname = $1)
      ORDER BY cn.nspname, cc.relname, con.conname`,
    [schema],
  );
  return res.rows;
}
