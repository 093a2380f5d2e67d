// Value-for-value comparison of two PostgreSQL databases loaded by different paths (import vs migrate):
// every row of every table as PostgreSQL prints it, compared as multisets; indexes and sequences too.
import { quotePgIdent } from '@conv/core';
import type { TestPgDb } from '@conv/testkit';

export interface TableDifference {
  table: string;
  a: number;
  b: number;
  onlyInA: string[];
  onlyInB: string[];
}

async function rowsOf(db: TestPgDb, table: string): Promise<string[]> {
  const rows = await db.query<{ r: string }>(`SELECT t::text AS r FROM public.${quotePgIdent(table)} t`);
  return rows.map((r) => r.r).sort();
}

function multisetDiff(a: string[], b: string[]): { onlyInA: string[]; onlyInB: string[] } {
  const count = (xs: string[]) =>
    xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const ca = count(a);
  const cb = count(b);
  const only = (x: Map<string, number>, y: Map<string, number>) =>
    [...x].filter(([k, n]) => (y.get(k) ?? 0) < n).map(([k]) => k);
  return { onlyInA: only(ca, cb).slice(0, 3), onlyInB: only(cb, ca).slice(0, 3) };
}

/** Tables whose content differs between the two databases (empty when equal value for value). */
export async function compareDatabases(
  a: TestPgDb,
  b: TestPgDb,
  tables: string[],
): Promise<TableDifference[]> {
  const out: TableDifference[] = [];
  for (const table of tables) {
    const [ra, rb] = [await rowsOf(a, table), await rowsOf(b, table)];
    const d = multisetDiff(ra, rb);
    if (ra.length !== rb.length || d.onlyInA.length || d.onlyInB.length)
      out.push({ table, a: ra.length, b: rb.length, ...d });
  }
  return out;
}

/** Every index definition and every sequence's next value in schema public. */
export async function catalogState(db: TestPgDb): Promise<{ indexes: string[]; sequences: string[] }> {
  const indexes = await db.query<{ d: string }>(
    `SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
  );
  const sequences = await db.query<{ s: string }>(
    `SELECT sequencename || '=' || coalesce(last_value::text, 'null') AS s FROM pg_sequences
      WHERE schemaname = 'public' ORDER BY sequencename`,
  );
  return { indexes: indexes.map((r) => r.d), sequences: sequences.map((r) => r.s) };
}
