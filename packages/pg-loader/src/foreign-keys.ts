import { loadOrder, quotePgIdent, quotePgQualified } from '@conv/core';
import type { LoadTable } from './load-plan.js';
import { type LiveForeignKey, type LiveTarget, tableKey } from './target.js';

export type FkStrategy = 'replica' | 'drop-recreate' | 'ordered';
export type FkStrategyOption = FkStrategy | 'auto';

/** Foreign keys whose referencing table is loaded: the ones a COPY would check. */
export function fksOfLoadedTables(live: LiveTarget, tables: readonly LoadTable[]): LiveForeignKey[] {
  const loaded = new Set(tables.map((t) => tableKey(t.schema, t.target)));
  return live.foreignKeys.filter((fk) => loaded.has(tableKey(fk.schema, fk.table)));
}

export interface OrderResult {
  order: LoadTable[];
  /**
   * Tables loaded before a parent they reference through a checked key (the plan broke a cycle there), or
   * referencing themselves: `ordered` cannot load them safely.
   */
  cyclic: string[];
  /** How the live catalog changed the plan's order (null: the plan's order is used as it is). */
  note: string | null;
}

/**
 * The plan's load order (`plan.loadOrder`, target names) applied to the tables being loaded. Deferrable
 * keys are ignored when `ignoreDeferrable` (they wait for the commit). The live catalog only adds: when the
 * plan's order breaks more of its keys than the same algorithm (`loadOrder`, @conv/core) run on them, the
 * keys changed since the plan (or the mode defers a key the plan counted) and that order is used, with a note.
 */
export function plannedOrder(
  planOrder: readonly string[],
  tables: readonly LoadTable[],
  fks: readonly LiveForeignKey[],
  options: { ignoreDeferrable: boolean },
): OrderResult {
  const byTarget = new Map(tables.map((t) => [t.target, t]));
  const inPlan = new Set(planOrder);
  const unplanned = tables.map((t) => t.target).filter((n) => !inPlan.has(n));
  const initial = [...planOrder.filter((n) => byTarget.has(n)), ...unplanned];
  const loaded = new Set(tables.map((t) => tableKey(t.schema, t.target)));
  const parents = new Map<string, Set<string>>(initial.map((n) => [n, new Set()]));
  const selfReferencing = new Set<string>();
  for (const fk of fks) {
    if (options.ignoreDeferrable && fk.deferrable) continue;
    const child = tableKey(fk.schema, fk.table);
    const parent = tableKey(fk.refSchema, fk.refTable);
    if (!loaded.has(child) || !loaded.has(parent)) continue;
    if (child === parent) selfReferencing.add(fk.table);
    else parents.get(fk.table)?.add(fk.refTable);
  }
  const notes: string[] = [];
  if (unplanned.length) notes.push(`not in the plan's load order, loaded last: ${unplanned.join(', ')}`);
  let order = initial;
  let broken = brokenEdges(order, parents);
  if (broken.length) {
    const live = loadOrder(initial, (n) => [...(parents.get(n) ?? [])]);
    if (live.brokenEdges.length < broken.length) {
      notes.push(
        `the plan's load order would load ${broken.map(([c, p]) => `${c} before its parent ${p}`).join(', ')} (foreign keys of the live target): loading ${live.order.join(' → ')}`,
      );
      order = live.order;
      broken = live.brokenEdges;
    }
  }
  return {
    order: order.map((n) => byTarget.get(n) as LoadTable),
    cyclic: [...new Set([...broken.map(([child]) => child), ...selfReferencing])],
    note: notes.length ? notes.join('; ') : null,
  };
}

/** The [child, parent] keys that `order` loads child first. */
function brokenEdges(order: string[], parents: Map<string, Set<string>>): [string, string][] {
  const position = new Map(order.map((n, i) => [n, i]));
  return order.flatMap((child) =>
    [...(parents.get(child) ?? [])]
      .filter((p) => (position.get(p) ?? -1) > (position.get(child) ?? -1))
      .map((p): [string, string] => [child, p]),
  );
}

/** The re-add statement of a dropped constraint: `NOT VALID` first, validated in a second step. */
export function addNotValid(fk: LiveForeignKey): string {
  const def = /\bNOT VALID\s*$/i.test(fk.definition) ? fk.definition : `${fk.definition} NOT VALID`;
  return `ALTER TABLE ${quotePgQualified(fk.schema, fk.table)} ADD CONSTRAINT ${quotePgIdent(fk.name)} ${def}`;
}

export function dropConstraint(fk: LiveForeignKey): string {
  return `ALTER TABLE ${quotePgQualified(fk.schema, fk.table)} DROP CONSTRAINT ${quotePgIdent(fk.name)}`;
}

export function validateConstraint(fk: LiveForeignKey): string {
  return `ALTER TABLE ${quotePgQualified(fk.schema, fk.table)} VALIDATE CONSTRAINT ${quotePgIdent(fk.name)}`;
}

/**
 * Up to `limit` referencing keys without a parent row (MATCH SIMPLE: a key with a NULL part is not
 * checked). The same query serves `replica` (keys were not checked during the load) and names the
 * offending rows when `VALIDATE CONSTRAINT` fails.
 */
export function orphanQuery(fk: LiveForeignKey, limit = 5): string {
  const child = quotePgQualified(fk.schema, fk.table);
  const parent = quotePgQualified(fk.refSchema, fk.refTable);
  const select = fk.columns.map((c) => `c.${quotePgIdent(c)}::text AS ${quotePgIdent(c)}`).join(', ');
  const notNull = fk.columns.map((c) => `c.${quotePgIdent(c)} IS NOT NULL`).join(' AND ');
  const match = fk.columns
    .map((c, i) => `p.${quotePgIdent(fk.refColumns[i] ?? c)} = c.${quotePgIdent(c)}`)
    .join(' AND ');
  return `SELECT ${select} FROM ${child} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${match}) LIMIT ${limit}`;
}
