import type pg from 'pg';
import { COLUMN_SEQUENCES, type LiveForeignKey, readForeignKeys, readTables } from './catalog-queries.js';

/** What the loader needs to know about one live target table. */
export interface LiveTable {
  schema: string;
  name: string;
  /** The connected role owns it (directly or through a role it inherits). */
  owned: boolean;
  /** Declaratively partitioned (relkind `p`): TRUNCATE cannot take ONLY, its partitions are its rows. */
  partitioned: boolean;
  /** `sequences`: see COLUMN_SEQUENCES (owned, or called by the default). */
  columns: Map<string, { generated: boolean; sequences: string[] }>;
}

export interface LiveTarget {
  schema: string;
  /** Partitions and inheritance children included: each can be a load target of its own. */
  tables: Map<string, LiveTable>;
  foreignKeys: LiveForeignKey[];
  superuser: boolean;
  role: string;
}

export const tableKey = (schema: string, table: string) => `${schema}\u0000${table}`;

/**
 * Reads the live catalog of `schema` (and every foreign key that points into it from elsewhere).
 * Runs in its own short read-only transaction with an empty search_path so constraint definitions come
 * back fully qualified and can be replayed from any session or from psql.
 */
export async function readLiveTarget(client: pg.ClientBase, schema: string): Promise<LiveTarget> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query("SELECT set_config('search_path', '', true)");
    const tables = await readTables(client, schema);
    const columns = await client.query<{
      oid: number;
      name: string;
      generated: boolean;
      sequences: string[];
    }>(
      `SELECT a.attrelid::int AS oid, a.attname AS name, a.attgenerated <> '' AS generated,
              ${COLUMN_SEQUENCES} AS sequences
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum`,
      [schema],
    );
    const foreignKeys = await readForeignKeys(client, schema);
    const role = await client.query<{ role: string; superuser: boolean }>(
      `SELECT current_user AS role, r.rolsuper AS superuser FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
    );
    const byOid = new Map<number, LiveTable>();
    const out = new Map<string, LiveTable>();
    for (const t of tables) {
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
      foreignKeys,
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
