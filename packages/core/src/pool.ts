/**
 * Lends a fixed set of open connections (or any resource) one borrower at a time, first come first
 * served: the snapshot connections of migrate, the connection pairs of verify.
 */
export class Pool<C> {
  private readonly free: C[];
  private readonly waiting: ((conn: C) => void)[] = [];

  constructor(items: C[]) {
    this.free = [...items];
  }

  acquire(): Promise<C> {
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(item: C): void {
    const next = this.waiting.shift();
    if (next) next(item);
    else this.free.push(item);
  }

  /** Runs `body` with a borrowed item, given back however `body` ends. */
  async use<T>(body: (item: C) => Promise<T>): Promise<T> {
    const item = await this.acquire();
    try {
      return await body(item);
    } finally {
      this.release(item);
    }
  }
}
