/** The snapshot's MySQL connections, lent to one table at a time (there may be fewer than COPY sessions). */
export class ConnectionPool<C> {
  private readonly free: C[];
  private readonly waiting: ((conn: C) => void)[] = [];

  constructor(conns: C[]) {
    this.free = [...conns];
  }

  acquire(): Promise<C> {
    const conn = this.free.pop();
    if (conn !== undefined) return Promise.resolve(conn);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(conn: C): void {
    const next = this.waiting.shift();
    if (next) next(conn);
    else this.free.push(conn);
  }
}
