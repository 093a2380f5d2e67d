import { quotePgIdent, quotePgQualified } from '@conv/core';
import type pg from 'pg';
import type { LoadTable } from './load-plan.js';
import { pgLiteral, type Statement } from './sql.js';
import { readLiveTarget } from './target.js';

/** What restarting a table's sequences needs to know of it. */
export type SequenceTable = Pick<LoadTable, 'schema' | 'target' | 'sequences'>;

/** Runs one statement on the load's session (and writes it to the script). */
export type RunStatement = <R extends Record<string, unknown>>(stmt: Statement | string) => Promise<R[]>;

/**
 * Every sequence a loaded column uses (serial, identity, or a default calling nextval) restarts at
 * max + 1 over all the loaded columns that use it, or at its start value when the table is empty. `ALTER SEQUENCE … RESTART` and not `setval()`:
 * since PostgreSQL 10 the ALTER is transactional (the sequence gets a new relfilenode), so a load that
 * rolls back — or whose client is killed before COMMIT — leaves every sequence where it was. A restart
 * value beyond the sequence's MAXVALUE (a smallint identity at 32767) fails the load here, inside the
 * transaction; `check` reports it before anything is written.
 * A role that may only UPDATE a sequence it does not own cannot ALTER it: `setval()` then, after recording
 * the old value in `undo` (run by the caller after a ROLLBACK; a killed process cannot, the log says so).
 */
export async function restartSequences(
  run: RunStatement,
  tables: readonly SequenceTable[],
  undo: Statement[] = [],
): Promise<{ sequence: string; value: string }[]> {
  // A sequence that several loaded columns call (one id space for two tables) restarts once, above the
  // largest value of all of them: a reset per column would leave it below the other tables' keys.
  const users = new Map<string, { schema: string; target: string; column: string }[]>();
  for (const table of tables) {
    for (const { column, sequence } of table.sequences) {
      const list = users.get(sequence) ?? [];
      if (!list.some((u) => u.target === table.target && u.column === column && u.schema === table.schema))
        list.push({ schema: table.schema, target: table.target, column });
      users.set(sequence, list);
    }
  }
  const out: { sequence: string; value: string }[] = [];
  for (const [sequence, columns] of users) {
    const maxima = columns.map(
      (u) => `(SELECT max(${quotePgIdent(u.column)})::numeric FROM ${quotePgQualified(u.schema, u.target)})`,
    );
    const of = columns.map((u) => `${quotePgIdent(u.column)} of ${quotePgQualified(u.schema, u.target)}`);
    const rows = await run<{ next: string | null; start: string; owned: boolean }>({
      text:
        `SELECT (GREATEST(${maxima.join(', ')}) + 1)::text AS next, ` +
        '(SELECT seqstart FROM pg_catalog.pg_sequence WHERE seqrelid = $1::regclass)::text AS start, ' +
        "(SELECT pg_catalog.pg_has_role(relowner, 'USAGE') FROM pg_catalog.pg_class WHERE oid = $1::regclass) AS owned",
      values: [sequence],
      script: `-- next value of ${pgLiteral(sequence)}: max + 1 of ${of.join(', ')}`,
    });
    const next = rows[0]?.next ?? null;
    if (next !== null && !/^-?\d+$/.test(next))
      throw new Error(`unexpected next value ${next} for ${sequence}`);
    if (!rows[0]?.owned) {
      const [old] = await run<{ v: string; c: boolean }>({
        text: `SELECT last_value::text AS v, is_called AS c FROM ${sequence}`,
      });
      if (old)
        undo.push({
          text: 'SELECT pg_catalog.setval($1::regclass, $2::bigint, $3)',
          values: [sequence, old.v, old.c],
        });
      await run({
        text: 'SELECT pg_catalog.setval($1::regclass, $2::bigint, false)',
        values: [sequence, next ?? rows[0]?.start],
        script: `SELECT pg_catalog.setval(${pgLiteral(sequence)}::regclass, ${next ?? rows[0]?.start}, false)`,
      });
    } else {
      // `sequence` comes from the catalog already quoted (quote_ident); `next` is an integer checked above.
      await run(`ALTER SEQUENCE ${sequence} ${next === null ? 'RESTART' : `RESTART WITH ${next}`}`);
    }
    out.push({ sequence, value: next ?? rows[0]?.start ?? '?' });
  }
  return out;
}

/**
 * Restarts every sequence a column of `tables` uses (serial, identity, or a default calling nextval) in
 * `schema`, as the import does after a load — for callers that changed the tables after the import (binlog catch-up, cut-over).
 * Same rule as the import (`restartSequences`), run on `client` (inside the caller's transaction, if any).
 */
export async function resetTableSequences(
  client: pg.ClientBase,
  schema: string,
  tables: readonly string[],
): Promise<{ sequence: string; value: string }[]> {
  const live = await readLiveTarget(client, schema);
  const withSequences: SequenceTable[] = [];
  for (const name of tables) {
    const table = live.tables.get(name);
    if (!table) continue;
    const sequences = [...table.columns].flatMap(([column, info]) =>
      info.sequences.map((sequence) => ({ column, sequence })),
    );
    withSequences.push({ schema, target: name, sequences });
  }
  const run: RunStatement = async <R extends Record<string, unknown>>(stmt: Statement | string) => {
    const res =
      typeof stmt === 'string' ? await client.query<R>(stmt) : await client.query<R>(stmt.text, stmt.values);
    return res.rows;
  };
  return restartSequences(run, withSequences);
}
