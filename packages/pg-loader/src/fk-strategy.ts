// The foreign-key strategy of a load, in one place: which one the role allows (replica, drop-recreate,
// ordered), what it does before the first COPY (switch, drop and save keys, TRUNCATE) and how the keys
// are checked and put back after the last one. import.ts runs the load around it.

import { ConvError, ExitCode, quotePgQualified } from '@conv/core';
import type pg from 'pg';
import {
  addNotValid,
  dropConstraint,
  type FkStrategy,
  type FkStrategyOption,
  orphanQuery,
  validateConstraint,
} from './foreign-keys.js';
import type { LoadTable } from './load-plan.js';
import { saveForeignKeys } from './saved-constraints.js';
import { runOn, type Session } from './session.js';
import { truncateAll } from './sql.js';
import { hasRows, type LiveForeignKey, type LiveTarget, tableKey } from './target.js';

export async function canSetReplica(client: pg.ClientBase): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL session_replication_role = replica');
    return true;
  } catch {
    return false;
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * `auto` takes the first strategy the connected role can use: `replica` (superuser, or a role granted
 * SET on the parameter), `drop-recreate` (owns every referencing table and may reference the parents),
 * `ordered` (no cycle of non-deferrable keys among the loaded tables). An explicit strategy the role
 * cannot use is refused before anything is written.
 */
export async function chooseStrategy(
  client: pg.ClientBase,
  live: LiveTarget,
  cyclic: string[],
  fks: LiveForeignKey[],
  wanted: FkStrategyOption,
): Promise<{ strategy: FkStrategy; reason: string }> {
  const replica = wanted === 'auto' || wanted === 'replica' ? await canSetReplica(client) : false;
  const notOwned = fks.filter((fk) => !fk.childOwned || !fk.canReference);
  const why = {
    replica: replica
      ? `replica: role ${live.role} may set session_replication_role (keys checked after the load)`
      : `session_replication_role cannot be set by role ${live.role} (needs superuser)`,
    drop: notOwned.length
      ? `drop-recreate needs ownership of ${[...new Set(notOwned.map((fk) => fk.table))].slice(0, 5).join(', ')}`
      : `drop-recreate: role ${live.role} owns every referencing table (${fks.length} foreign keys dropped, re-added NOT VALID, validated)`,
    ordered: cyclic.length
      ? `ordered cannot load ${cyclic.slice(0, 5).join(', ')} (foreign-key cycle or self reference)`
      : `ordered: parents loaded before children, keys checked row by row`,
  };
  const refuse = (reason: string) =>
    new ConvError(`foreign-key strategy ${wanted} cannot be used: ${reason}; nothing was written`, {
      code: 'import.fk-strategy-unavailable',
      exit: ExitCode.usage,
      hint:
        wanted === 'auto'
          ? `No strategy is open to role ${live.role}: connect as the owner of the tables (drop-recreate) or as a superuser (replica), or make the foreign keys of the cycle DEFERRABLE (ordered).`
          : 'Connect as the owner of the tables (drop-recreate) or as a superuser (replica), or choose --fk-strategy auto.',
    });
  if (wanted === 'replica') {
    if (!replica) throw refuse(why.replica);
    return { strategy: 'replica', reason: why.replica };
  }
  if (wanted === 'drop-recreate') {
    if (notOwned.length) throw refuse(why.drop);
    return { strategy: 'drop-recreate', reason: why.drop };
  }
  if (wanted === 'ordered') {
    if (cyclic.length) throw refuse(why.ordered);
    return { strategy: 'ordered', reason: why.ordered };
  }
  if (replica) return { strategy: 'replica', reason: why.replica };
  if (!notOwned.length) return { strategy: 'drop-recreate', reason: `${why.drop}; ${why.replica}` };
  if (!cyclic.length) return { strategy: 'ordered', reason: `${why.ordered}; ${why.replica}; ${why.drop}` };
  throw refuse(`${why.replica}; ${why.drop}; ${why.ordered}`);
}

/**
 * Tables outside the load whose foreign keys point (directly or through each other) at loaded tables.
 * TRUNCATE must list them or fail; `CASCADE` would silently empty them. Empty ones are listed in the one
 * TRUNCATE statement (nothing is lost); a non-empty one stops the import before any write.
 */
export async function referencingTables(
  client: pg.ClientBase,
  live: LiveTarget,
  order: LoadTable[],
): Promise<{ schema: string; name: string }[]> {
  const inSet = new Set(order.map((t) => tableKey(t.schema, t.target)));
  const extra: { schema: string; name: string; via: string }[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const fk of live.foreignKeys) {
      const child = tableKey(fk.schema, fk.table);
      if (inSet.has(tableKey(fk.refSchema, fk.refTable)) && !inSet.has(child)) {
        inSet.add(child);
        extra.push({ schema: fk.schema, name: fk.table, via: `${fk.name} → ${fk.refTable}` });
        grew = true;
      }
    }
  }
  for (const t of extra) {
    if (await hasRows(client, quotePgQualified(t.schema, t.name))) {
      throw new ConvError(
        `${t.schema}.${t.name} is not in the export but holds rows that reference a loaded table (constraint ${t.via}): ` +
          'truncating the loaded tables would have to empty it too (TRUNCATE … CASCADE); nothing was written',
        {
          code: 'target.referenced-from-outside',
          exit: ExitCode.checkFailed,
          at: { table: t.name },
          hint: `Empty ${t.name} first if its rows may go, or include it in the export.`,
        },
      );
    }
  }
  return extra;
}

/** Everything before the first COPY: the strategy's session setup, dropped keys, the one TRUNCATE. */
export async function prepare(
  session: Session,
  strategy: FkStrategy,
  fks: LiveForeignKey[],
  droppable: LiveForeignKey[],
  truncated: { schema: string; name: string; only?: boolean }[],
  scope: 'local' | 'session',
  schema = 'public',
): Promise<void> {
  // per-table sessions set it once for the whole session (see runPerTable).
  if (strategy === 'replica' && scope === 'local')
    await session.run('SET LOCAL session_replication_role = replica');
  if (strategy === 'ordered' && scope === 'local' && fks.some((fk) => fk.deferrable)) {
    await session.run('SET CONSTRAINTS ALL DEFERRED');
  }
  // per-table: the keys are saved in the target in the transaction that drops them (see saved-constraints.ts).
  if (scope === 'session') await saveForeignKeys(session.client, runOn(session), schema, droppable);
  for (const fk of droppable) await session.run(dropConstraint(fk));
  await session.run(truncateAll(truncated));
}

/**
 * After the last COPY. drop-recreate: re-add every dropped key NOT VALID, then VALIDATE each one that
 * was valid before. replica: keys were not checked during the load, so every key of a loaded table is
 * checked with an anti-join now — an import never commits orphans silently. On a failure the error
 * names the constraint and up to five offending keys.
 */
export async function restoreForeignKeys(
  session: Session,
  strategy: FkStrategy,
  fks: LiveForeignKey[],
  droppable: LiveForeignKey[],
): Promise<number> {
  let checked = 0;
  if (droppable.length) {
    for (const fk of droppable) await session.run(addNotValid(fk));
    for (const fk of droppable) {
      if (!fk.validated) continue;
      await session.run('SAVEPOINT conv_validate');
      try {
        await session.run(validateConstraint(fk));
        await session.run('RELEASE SAVEPOINT conv_validate');
      } catch (err) {
        await session.run('ROLLBACK TO SAVEPOINT conv_validate');
        const sample = await session.run(orphanQuery(fk));
        throw orphanError(fk, sample, (err as Error).message);
      }
      checked++;
    }
  }
  if (strategy === 'replica') {
    const readded = new Set(droppable.map(fkKey));
    for (const fk of fks) {
      if (readded.has(fkKey(fk))) continue;
      const sample = await session.run(orphanQuery(fk));
      if (sample.length) throw orphanError(fk, sample, 'rows without a parent row');
      checked++;
    }
  }
  return checked;
}

export function orphanError(fk: LiveForeignKey, sample: pg.QueryResultRow[], why: string): ConvError {
  const keys = sample.map((row) => `(${fk.columns.map((c) => `${c}=${row[c] ?? 'NULL'}`).join(', ')})`);
  return new ConvError(
    `foreign key ${fk.name} of ${fk.schema}.${fk.table} (${fk.columns.join(', ')}) → ${fk.refSchema}.${fk.refTable} (${fk.refColumns.join(', ')}) fails after the load: ${why}. ` +
      `Offending keys: ${keys.join(', ') || '(none found)'}`,
    {
      code: 'import.foreign-key-violation',
      exit: ExitCode.loadFailed,
      at: { table: fk.table, column: fk.columns[0] },
      hint: 'Run `check` against the source to list every orphan, fix them there (or exclude the table), and export again.',
    },
  );
}

/** A foreign key's identity across catalogs: its table and its name. */
export const fkKey = (fk: LiveForeignKey) => `${tableKey(fk.schema, fk.table)}\u0000${fk.name}`;

/** Keys of the list that the catalog does not have (really dropped). */
export function missingNow(keys: LiveForeignKey[], live: LiveTarget): LiveForeignKey[] {
  const present = new Set(live.foreignKeys.map(fkKey));
  return keys.filter((fk) => !present.has(fkKey(fk)));
}

/** Keys of the list that the catalog still has (to drop). */
export function presentNow(keys: LiveForeignKey[], live: LiveTarget): LiveForeignKey[] {
  const present = new Set(live.foreignKeys.map(fkKey));
  return keys.filter((fk) => present.has(fkKey(fk)));
}
