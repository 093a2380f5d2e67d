import type { MigrationPlan } from '@conv/core';
import type { KeyEntry } from './state.js';

/** A key as MySQL stores it, in JSON (Buffers as `{"$hex": …}`), to look the row up again later. */
export function jsonKey(values: readonly unknown[]): unknown[] {
  return values.map((v) =>
    Buffer.isBuffer(v)
      ? { $hex: v.toString('hex') }
      : typeof v === 'bigint'
        ? v.toString()
        : v === undefined
          ? null
          : v,
  );
}

export function mysqlKey(values: readonly unknown[]): unknown[] {
  return values.map((v) =>
    v !== null && typeof v === 'object' && '$hex' in v
      ? Buffer.from(String((v as { $hex: string }).$hex), 'hex')
      : v,
  );
}

/**
 * PostgreSQL's text of a source key, derived without the apply's encoders where the conversion keeps the
 * text as it is (integers, text, UUID strings, no transform): looked up besides the recorded target key, so
 * that a wrong key from the apply path cannot hide a row (it would show as a row on one side only).
 */
function targetTextOf(
  plan: MigrationPlan | undefined,
  table: string,
  key: readonly unknown[],
): (string | null)[] | null {
  const t = plan?.tables.find((x) => x.source === table);
  if (!t) return null;
  const pairs = t.rowKey.map((k) => t.columns.find((c) => c.source === k));
  const out: (string | null)[] = [];
  for (const [i, p] of pairs.entries()) {
    const v = key[i];
    if (!p || p.transform || v === null || v === undefined) return null;
    const plain =
      (p.conversion === 'integer' && (typeof v === 'number' || typeof v === 'string')) ||
      ((p.conversion === 'text' || p.conversion === 'uuid') && typeof v === 'string');
    if (!plain) return null;
    out.push(String(v));
  }
  return out;
}

/** Keys per table, each once: MySQL lookups (raw values) and PostgreSQL lookups (target key text). */
export function groupKeys(
  entries: readonly KeyEntry[],
  plan?: MigrationPlan,
): { table: string; source: unknown[][]; target: (string | null)[][] }[] {
  const byTable = new Map<string, { s: Map<string, unknown[]>; k: Map<string, (string | null)[]> }>();
  for (const e of entries) {
    const g = byTable.get(e.t) ?? { s: new Map(), k: new Map() };
    byTable.set(e.t, g);
    if (e.s) {
      g.s.set(JSON.stringify(e.s), e.s);
      const own = targetTextOf(plan, e.t, e.s);
      if (own) g.k.set(JSON.stringify(own), own);
    }
    if (e.k) g.k.set(JSON.stringify(e.k), e.k);
  }
  return [...byTable].map(([table, g]) => ({
    table,
    source: [...g.s.values()].map(mysqlKey),
    target: [...g.k.values()],
  }));
}
