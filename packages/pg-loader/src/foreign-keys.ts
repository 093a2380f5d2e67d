import { quotePgIdent, quotePgQualified } from '@conv/core';
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
  /** Tables on a cycle of non-deferrable foreign keys (self references included): `ordered` cannot load them safely. */
  cyclic: string[];
}

/**
 * Parents before children among the loaded tables (foreign keys to tables outside the load do not
 * constrain the order). Deferrable keys are ignored when `deferrable` is allowed to wait for commit.
 * Ties keep the manifest's order, so the result is stable.
 */
export function topologicalOrder(
  tables: readonly LoadTable[],
  fks: readonly LiveForeignKey[],
  options: { ignoreDeferrable: boolean },
): OrderResult {
  const byKey = new Map(tables.map((t) => [tableKey(t.schema, t.target), t]));
  const parents = new Map<string, Set<string>>();
  const cyclic = new Set<string>();
  for (const t of byKey.keys()) parents.set(t, new Set());
  for (const fk of fks) {
    if (options.ignoreDeferrable && fk.deferrable) continue;
    const child = tableKey(fk.schema, fk.table);
    const parent = tableKey(fk.refSchema, fk.refTable);
    if (!byKey.has(child) || !byKey.has(parent)) continue;
    if (child === parent) cyclic.add(fk.table);
    else parents.get(child)?.add(parent);
  }
  const order: LoadTable[] = [];
  const done = new Set<string>();
  let remaining = [...byKey.keys()];
  while (remaining.length) {
    const ready = remaining.filter((k) => [...(parents.get(k) ?? [])].every((p) => done.has(p)));
    if (!ready.length) {
      // A cycle: report its tables and load the rest of them in manifest order.
      for (const k of remaining) cyclic.add(byKey.get(k)?.target ?? k);
      for (const k of remaining) order.push(byKey.get(k) as LoadTable);
      break;
    }
    for (const k of ready) {
      done.add(k);
      order.push(byKey.get(k) as LoadTable);
    }
    remaining = remaining.filter((k) => !done.has(k));
  }
  return { order, cyclic: [...cyclic] };
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
