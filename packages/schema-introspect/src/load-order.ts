/** Edges child → parent (the child references the parent). */
export interface LoadOrderResult {
  order: string[];
  /** FK edges ignored to break cycles, each as [child, parent]. */
  brokenEdges: [string, string][];
}

/**
 * Parents before children (Kahn's algorithm, ties by name so the order is stable). When only cycles are
 * left, the remaining table with the fewest unloaded parents goes next and its edges into the cycle are
 * reported as broken: such tables need the `replica` or `drop-recreate` FK strategy.
 * Self references are not ordering constraints (a table cannot precede itself).
 */
export function loadOrder(
  tables: readonly string[],
  parentsOf: (table: string) => readonly string[],
): LoadOrderResult {
  const set = new Set(tables);
  const parents = new Map<string, Set<string>>();
  for (const t of tables) {
    parents.set(t, new Set(parentsOf(t).filter((p) => p !== t && set.has(p))));
  }
  const order: string[] = [];
  const brokenEdges: [string, string][] = [];
  const done = new Set<string>();
  const remaining = new Set([...tables].sort());
  while (remaining.size > 0) {
    let next: string | undefined;
    for (const t of remaining) {
      if ([...parents.get(t)!].every((p) => done.has(p))) {
        next = t;
        break;
      }
    }
    if (next === undefined) {
      let best: string | undefined;
      let bestMissing = Number.POSITIVE_INFINITY;
      for (const t of remaining) {
        const missing = [...parents.get(t)!].filter((p) => !done.has(p)).length;
        if (missing < bestMissing) {
          best = t;
          bestMissing = missing;
        }
      }
      next = best!;
      for (const p of parents.get(next)!) if (!done.has(p)) brokenEdges.push([next, p]);
    }
    order.push(next);
    done.add(next);
    remaining.delete(next);
  }
  return { order, brokenEdges };
}
