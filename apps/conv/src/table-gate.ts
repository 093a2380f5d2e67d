/**
 * Tables becoming readable while a load runs: opened one by one (per-table commits) or all at once
 * (the single transaction's COMMIT); failing it releases every waiter with the load's error.
 */
export class TableGate {
  private readonly opened = new Set<string>();
  private readonly waiters = new Map<string, { resolve: () => void; reject: (err: unknown) => void }[]>();
  private all = false;
  private failure: { error: unknown } | undefined;

  wait(table: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.all || this.opened.has(table)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(table) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(table, list);
    });
  }

  open(table: string): void {
    this.opened.add(table);
    for (const w of this.waiters.get(table) ?? []) w.resolve();
    this.waiters.delete(table);
  }

  private readonly whenAll: (() => void)[] = [];

  /** Called once the load is over and every table readable (e.g. verify takes over the display). */
  onOpenAll(listener: () => void): void {
    if (this.all) listener();
    else this.whenAll.push(listener);
  }

  openAll(): void {
    this.all = true;
    for (const listener of this.whenAll.splice(0)) listener();
    for (const list of this.waiters.values()) for (const w of list) w.resolve();
    this.waiters.clear();
  }

  fail(error: unknown): void {
    this.failure = { error };
    for (const list of this.waiters.values()) for (const w of list) w.reject(error);
    this.waiters.clear();
  }
}
