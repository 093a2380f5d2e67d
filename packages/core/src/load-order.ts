export interface LoadOrderResult {
  order: string[];
  /** FK edges ignored to break cycles, each as [child, parent]. */
  brokenEdges: [string, string][];
}

/**
 * Parents before children, the one load-order algorithm: the plan computes `loadOrder` with it and the
 * loader runs it again only to repair that order when the live target's keys changed. Kahn's algorithm in
 * layers: every table whose parents are loaded goes next, ties in the given order (the plan passes names
 * sorted, the loader the plan's order, so a repair moves only what must move). When only cycles are left,
 * the cycle is broken inside a strongly connected component that no other remaining table feeds: its table
 * with the fewest unloaded parents goes next, and those edges are reported as broken (such tables need the
 * `replica` or `drop-recreate` FK strategy). Tables merely downstream of a cycle never break an edge.
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
  const remaining = new Set(tables);
  const position = new Map(tables.map((t, i) => [t, i]));
  const unloaded = (t: string) => [...parents.get(t)!].filter((p) => !done.has(p));
  const load = (t: string) => {
    order.push(t);
    done.add(t);
    remaining.delete(t);
  };

  while (remaining.size > 0) {
    const ready = [...remaining].filter((t) => unloaded(t).length === 0);
    if (ready.length > 0) {
      for (const t of ready) load(t);
      continue;
    }
    const component = sourceComponent([...remaining], unloaded).sort(
      (a, b) => position.get(a)! - position.get(b)!,
    );
    const next = component.reduce((best, t) => (unloaded(t).length < unloaded(best).length ? t : best));
    for (const p of unloaded(next)) brokenEdges.push([next, p]);
    load(next);
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
      components.push(component);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  // Edges point child → parent, so Tarjan emits parent components first: the first one has no outside parent.
  return components[0]!;
}
