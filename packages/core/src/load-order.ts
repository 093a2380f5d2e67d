export interface LoadOrderResult {
  order: string[];
  /** FK edges ignored to break cycles, each as [child, parent]. */
  brokenEdges: [string, string][];
}

/**
 * Parents before children (Kahn's algorithm, ties by name so the order is stable). When only cycles are
 * left, the cycle is broken inside a strongly connected component that no other remaining table feeds:
 * its table with the fewest unloaded parents goes next, and those edges are reported as broken (such tables
 * need the `replica` or `drop-recreate` FK strategy). Tables merely downstream of a cycle never break an edge.
 * Self references are not ordering constraints (a table cannot precede itself).
 */
export function loadOrder(
  tables: readonly string[],
  parentsOf: (table: string) => readonly string[],
): LoadOrderResult {
  const set = new Set(tables);
  const parents = new Map<string, Set<string>>();
  for (const t of tables) parents.set(t, new Set(parentsOf(t).filter((p) => p !== t && set.has(p))));
  const order: string[] = [];
  const brokenEdges: [string, string][] = [];
  const done = new Set<string>();
  const remaining = new Set([...tables].sort());
  const unloaded = (t: string) => [...parents.get(t)!].filter((p) => !done.has(p));

  while (remaining.size > 0) {
    let next = [...remaining].find((t) => unloaded(t).length === 0);
    if (next === undefined) {
      const component = sourceComponent([...remaining], unloaded);
      next = component.reduce((best, t) => (unloaded(t).length < unloaded(best).length ? t : best));
      for (const p of unloaded(next)) brokenEdges.push([next, p]);
    }
    order.push(next);
    done.add(next);
    remaining.delete(next);
  }
  return { order, brokenEdges };
}

/** A strongly connected component (Tarjan) that no table outside it, among `nodes`, is a parent of. */
function sourceComponent(nodes: string[], parentsOf: (t: string) => string[]): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of parentsOf(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  // Edges point child → parent, so Tarjan emits parent components first: the first one has no outside parent.
  return components[0]!;
}
