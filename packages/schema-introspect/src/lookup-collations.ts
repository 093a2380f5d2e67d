import type { SourceCatalog, Transform } from '@conv/core';

/**
 * Lookup transforms with the collations of their two lookup-table columns, read from the source catalog:
 * the export compares in the lookup column's own collation first (so its index serves each row), then byte
 * for byte. Columns the catalog does not know (another database, a non-character column) stay without.
 */
export function withLookupCollations(
  transforms: Record<string, Transform>,
  source: SourceCatalog,
): Record<string, Transform> {
  const out: Record<string, Transform> = {};
  for (const [key, t] of Object.entries(transforms)) {
    if (t.kind !== 'lookup') {
      out[key] = t;
      continue;
    }
    const columns = source.tables.find((x) => x.name === t.table)?.columns ?? [];
    const collation = (name: string) => columns.find((c) => c.name === name)?.collation ?? undefined;
    const match = collation(t.matchColumn);
    const value = collation(t.valueColumn);
    out[key] = {
      ...t,
      ...(match ? { matchCollation: match } : {}),
      ...(value ? { valueCollation: value } : {}),
    };
  }
  return out;
}
