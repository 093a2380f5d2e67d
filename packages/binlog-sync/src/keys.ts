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

/** Keys per table, each once: MySQL lookups (raw values) and PostgreSQL lookups (target key text). */
export function groupKeys(
  entries: readonly KeyEntry[],
): { table: string; source: unknown[][]; target: (string | null)[][] }[] {
  const byTable = new Map<string, { s: Map<string, unknown[]>; k: Map<string, (string | null)[]> }>();
  for (const e of entries) {
    const g = byTable.get(e.t) ?? { s: new Map(), k: new Map() };
    byTable.set(e.t, g);
    if (e.s) g.s.set(JSON.stringify(e.s), e.s);
    if (e.k) g.k.set(JSON.stringify(e.k), e.k);
  }
  return [...byTable].map(([table, g]) => ({
    table,
    source: [...g.s.values()].map(mysqlKey),
    target: [...g.k.values()],
  }));
}
