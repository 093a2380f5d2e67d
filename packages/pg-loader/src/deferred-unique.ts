import { ConvError, ExitCode, quotePgIdent, quotePgQualified } from '@conv/core';
import type pg from 'pg';

/** A DEFERRABLE unique or primary-key constraint of a loaded table. */
export interface DeferrableUnique {
  name: string;
  columns: string[];
}

/**
 * Deferrable unique / primary-key constraints of a table. PostgreSQL checks them through internal
 * constraint triggers (unique_key_recheck), which do not fire under `session_replication_role = replica`:
 * a duplicate loaded with the replica strategy would be committed silently (measured on PostgreSQL 15).
 */
export async function deferrableUniques(
  client: pg.ClientBase,
  schema: string,
  table: string,
): Promise<DeferrableUnique[]> {
  const res = await client.query<DeferrableUnique>(
    `SELECT c.conname AS name, array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_catalog.pg_constraint c
       JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
       CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND r.relname = $2 AND c.contype IN ('u', 'p') AND c.condeferrable
      GROUP BY c.conname ORDER BY c.conname`,
    [schema, table],
  );
  return res.rows;
}

/** Up to `limit` keys that occur more than once (rows with a NULL in the key never conflict). */
export function duplicateQuery(schema: string, table: string, u: DeferrableUnique, limit = 5): string {
  const cols = u.columns.map(quotePgIdent);
  return (
    `SELECT ${cols.map((c) => `${c}::text AS ${c}`).join(', ')}, count(*) AS n FROM ${quotePgQualified(schema, table)} ` +
    `WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(' AND ')} GROUP BY ${cols.join(', ')} HAVING count(*) > 1 LIMIT ${limit}`
  );
}

const HINT =
  'The source has rows that the target constraint does not allow (MySQL had no such constraint, or a different collation): ' +
  'fix the duplicates in MySQL (or relax the constraint in PostgreSQL), then export and import again.';

export function duplicateError(
  schema: string,
  table: string,
  u: DeferrableUnique,
  sample: pg.QueryResultRow[],
): ConvError {
  const keys = sample.map((r) => `(${u.columns.map((c) => `${c}=${r[c]}`).join(', ')}) ×${r['n']}`);
  return new ConvError(
    `deferrable unique constraint ${u.name} of ${schema}.${table} (${u.columns.join(', ')}) fails after the load: duplicate keys ${keys.join(', ')}; rolled back`,
    {
      code: 'import.unique-violation',
      exit: ExitCode.loadFailed,
      at: { table, column: u.columns[0] },
      hint: HINT,
    },
  );
}

/**
 * A unique or exclusion violation raised by a DEFERRED constraint when its check ran (at COMMIT, or at
 * SET CONSTRAINTS … IMMEDIATE), not by a row of a COPY: named by table, constraint and key.
 */
export function deferredViolationError(err: unknown, target: string, perTable: boolean): ConvError | null {
  const e = err as { code?: string; table?: string; schema?: string; constraint?: string; detail?: string };
  if (e?.code !== '23505' && e?.code !== '23P01') return null;
  const table = e.table ? `${e.schema ? `${e.schema}.` : ''}${e.table}` : '(table not reported)';
  return new ConvError(
    `import into ${target} failed when the deferred constraint ${e.constraint ?? '(unnamed)'} of ${table} was checked at COMMIT: ${(err as Error).message}${e.detail ? ` (${e.detail})` : ''}; ${perTable ? 'that table was rolled back (tables committed before it stay: re-run to resume)' : 'rolled back, the target is as it was'}`,
    {
      code: e.code === '23505' ? 'import.unique-violation' : 'import.exclusion-violation',
      exit: ExitCode.loadFailed,
      at: e.table ? { table: e.table } : {},
      hint: HINT,
      cause: err,
    },
  );
}
