import {
  ConvError,
  ExitCode,
  quotePgQualified,
  SAVED_FOREIGN_KEYS_FALLBACK_TABLE,
  SAVED_FOREIGN_KEYS_SCHEMA,
  SAVED_FOREIGN_KEYS_TABLE,
} from '@conv/core';
import type pg from 'pg';
import { pgLiteral, type Statement } from './sql.js';
import { type LiveForeignKey, tableKey } from './target.js';

/**
 * Foreign keys dropped by a per-table `drop-recreate` load are saved in the target database itself, in
 * the same transaction as the DROP: whatever happens next (kill -9, a new export, the state file deleted,
 * a single-transaction import of the same directory), the next import into that schema finds them and
 * re-adds them, and `verify` reports them while they are missing. They live in `conv_state` when the role
 * may create it, else in a table of the target schema (removed again once empty).
 */
export type Run = (stmt: Statement | string) => Promise<Record<string, unknown>[]>;

const PRIMARY = quotePgQualified(SAVED_FOREIGN_KEYS_SCHEMA, SAVED_FOREIGN_KEYS_TABLE);
const fallback = (schema: string) => quotePgQualified(schema, SAVED_FOREIGN_KEYS_FALLBACK_TABLE);

const fkKey = (fk: LiveForeignKey) => `${tableKey(fk.schema, fk.table)}\u0000${fk.name}`;

/** The saved tables that exist now (quoted), for `schema`. */
async function savedTables(client: pg.ClientBase, schema: string): Promise<string[]> {
  const res = await client.query<{ p: string | null; f: string | null }>(
    'SELECT pg_catalog.to_regclass($1)::text AS p, pg_catalog.to_regclass($2)::text AS f',
    [PRIMARY, fallback(schema)],
  );
  const row = res.rows[0];
  return [row?.p ? PRIMARY : null, row?.f ? fallback(schema) : null].filter((t): t is string => t !== null);
}

/** Every key saved for imports into `schema` (an empty list when nothing was ever saved). */
export async function readSavedForeignKeys(client: pg.ClientBase, schema: string): Promise<LiveForeignKey[]> {
  const out = new Map<string, LiveForeignKey>();
  for (const table of await savedTables(client, schema)) {
    const res = await client.query<{ fk: LiveForeignKey }>(
      `SELECT fk FROM ${table} WHERE target_schema = $1 ORDER BY saved_at, name`,
      [schema],
    );
    for (const { fk } of res.rows) out.set(fkKey(fk), fk);
  }
  return [...out.values()];
}

/** Where this role can keep saved keys: `conv_state` (created if needed) or the target schema. */
async function placeFor(client: pg.ClientBase, schema: string): Promise<string> {
  const res = await client.query<{
    exists: boolean;
    usable: boolean;
    create_db: boolean;
    create_schema: boolean;
  }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) AS exists,
            COALESCE((SELECT pg_catalog.has_schema_privilege(oid, 'CREATE')
                        FROM pg_catalog.pg_namespace WHERE nspname = $1), false) AS usable,
            pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS create_db,
            COALESCE((SELECT pg_catalog.has_schema_privilege(oid, 'CREATE')
                        FROM pg_catalog.pg_namespace WHERE nspname = $2), false) AS create_schema`,
    [SAVED_FOREIGN_KEYS_SCHEMA, schema],
  );
  const r = res.rows[0];
  if (r?.usable || (!r?.exists && r?.create_db)) return PRIMARY;
  if (r?.create_schema) return fallback(schema);
  throw new ConvError(
    `per-table drop-recreate must save the dropped foreign keys in the target database, but the role may neither create schema ${SAVED_FOREIGN_KEYS_SCHEMA} nor a table in ${schema}; nothing was written`,
    {
      code: 'import.saved-keys-unavailable',
      exit: ExitCode.usage,
      hint: `Create it once as an administrator (CREATE SCHEMA ${SAVED_FOREIGN_KEYS_SCHEMA} AUTHORIZATION <role>), or use --load-mode single-transaction.`,
    },
  );
}

/**
 * Saves `keys` (about to be dropped) in the current transaction of `run`: call it in the transaction that
 * drops them, so the catalog and the saved list change together.
 */
export async function saveForeignKeys(
  client: pg.ClientBase,
  run: Run,
  schema: string,
  keys: readonly LiveForeignKey[],
): Promise<void> {
  if (!keys.length) return;
  const table = await placeFor(client, schema);
  if (table === PRIMARY) await run(`CREATE SCHEMA IF NOT EXISTS ${SAVED_FOREIGN_KEYS_SCHEMA}`);
  await run(
    `CREATE TABLE IF NOT EXISTS ${table} (target_schema text NOT NULL, schema_name text NOT NULL, ` +
      'table_name text NOT NULL, name text NOT NULL, fk jsonb NOT NULL, ' +
      'saved_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (schema_name, table_name, name))',
  );
  for (const fk of keys) {
    await run({
      text:
        `INSERT INTO ${table} (target_schema, schema_name, table_name, name, fk) VALUES ($1, $2, $3, $4, $5::jsonb) ` +
        'ON CONFLICT (schema_name, table_name, name) DO UPDATE SET fk = EXCLUDED.fk, target_schema = EXCLUDED.target_schema',
      values: [schema, fk.schema, fk.table, fk.name, JSON.stringify(fk)],
      script: `-- saved ${fk.schema}.${fk.table} ${fk.name} in ${table} (re-added by the next import if this one stops)`,
    });
  }
}

/** Forgets every saved key of `schema` (they are back in the catalog), in the transaction that re-adds them. */
export async function forgetForeignKeys(client: pg.ClientBase, run: Run, schema: string): Promise<void> {
  for (const table of await savedTables(client, schema)) {
    await run({
      text: `DELETE FROM ${table} WHERE target_schema = $1`,
      values: [schema],
      script: `DELETE FROM ${table} WHERE target_schema = ${pgLiteral(schema)}`,
    });
    if (table !== PRIMARY) {
      const left = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
      if (!left.rowCount) await run(`DROP TABLE ${table}`);
    }
  }
}
