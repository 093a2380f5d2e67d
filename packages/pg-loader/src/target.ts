import type pg from 'pg';

/** What the loader needs to know about one live target table. */
export interface LiveTable {
  schema: string;
  name: string;
  /** The connected role owns it (directly or through a role it inherits). */
  owned: boolean;
  /** Declaratively partitioned (relkind `p`): TRUNCATE cannot take ONLY, its partitions are its rows. */
  partitioned: boolean;
  /**
   * `sequences`: every sequence the column owns (serial, identity) or its default calls (`DEFAULT
   * nextval('free_seq')` on a sequence owned by nothing, common in hand-written and ported schemas).
   */
  columns: Map<string, { generated: boolean; sequences: string[] }>;
}

/** A foreign key touching the target schema (on either side), with what re-creating it requires. */
export interface LiveForeignKey {
  name: string;
  schema: string;
  table: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
  /** pg_get_constraintdef() read with an empty search_path: every name schema-qualified. */
  definition: string;
  deferrable: boolean;
  validated: boolean;
  /** The connected role owns the referencing table (needed to drop and re-add the constraint). */
  childOwned: boolean;
  /** The connected role may reference the parent table (needed to re-add the constraint). */
  canReference: boolean;
}

export interface LiveTarget {
  schema: string;
  tables: Map<string, LiveTable>;
  foreignKeys: LiveForeignKey[];
  superuser: boolean;
  role: string;
}

const key = (schema: string, table: string) => `${schema}\u0000${table}`;
export const tableKey = key;

/**
 * Reads the live catalog of `schema` (and every foreign key that points into it from elsewhere).
 * Runs in its own short read-only transaction with an empty search_path so constraint definitions come
 * back fully qualified and can be replayed from any session or from psql.
 */
export async function readLiveTarget(client: pg.ClientBase, schema: string): Promise<LiveTarget> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query("SELECT set_config('search_path', '', true)");
    const tables = await client.query<{ oid: number; name: string; owned: boolean; partitioned: boolean }>(
      `SELECT c.oid::int AS oid, c.relname AS name, pg_catalog.pg_has_role(c.relowner, 'USAGE') AS owned,
              c.relkind = 'p' AS partitioned
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
      [schema],
    );
    const columns = await client.query<{
      oid: number;
      name: string;
      generated: boolean;
      sequences: string[];
    }>(
      `SELECT a.attrelid::int AS oid, a.attname AS name, a.attgenerated <> '' AS generated,
              ARRAY(SELECT DISTINCT pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.relname)
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
                     ORDER BY 1)::text[] AS sequences
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum`,
      [schema],
    );
    const fks = await client.query<Omit<LiveForeignKey, never>>(
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
    const role = await client.query<{ role: string; superuser: boolean }>(
      `SELECT current_user AS role, r.rolsuper AS superuser FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
    );
    const byOid = new Map<number, LiveTable>();
    const out = new Map<string, LiveTable>();
    for (const t of tables.rows) {
      const table: LiveTable = {
        schema,
        name: t.name,
        owned: t.owned,
        partitioned: t.partitioned,
        columns: new Map(),
      };
      byOid.set(t.oid, table);
      out.set(t.name, table);
    }
    for (const c of columns.rows) {
      byOid.get(c.oid)?.columns.set(c.name, { generated: c.generated, sequences: c.sequences });
    }
    return {
      schema,
      tables: out,
      foreignKeys: fks.rows,
      superuser: role.rows[0]?.superuser ?? false,
      role: role.rows[0]?.role ?? '?',
    };
  } finally {
    await client.query('COMMIT');
  }
}

/** Whether a table holds at least one row (one index-free probe, not a count). */
export async function hasRows(client: pg.ClientBase, qualified: string): Promise<boolean> {
  const res = await client.query(`SELECT 1 FROM ${qualified} LIMIT 1`);
  return (res.rowCount ?? 0) > 0;
}
