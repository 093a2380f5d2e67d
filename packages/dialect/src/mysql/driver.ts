import type mysql from 'mysql2/promise';

/**
 * The callback connection under a mysql2/promise connection. mysql2 does not export it: the only place
 * conv reaches into the driver, for streaming with back-pressure (pause/resume) and for closing the socket.
 */
export interface CoreConnection extends NodeJS.EventEmitter {
  query(options: { sql: string; values?: unknown[]; rowsAsArray: boolean }): NodeJS.EventEmitter & {
    stream(options?: { highWaterMark?: number }): NodeJS.ReadableStream;
  };
  pause(): void;
  resume(): void;
  destroy(): void;
  /** The socket: destroy() only half-closes it (FIN), see `hardClose`. */
  stream?: { destroy(): void };
}

export function coreOf(conn: mysql.Connection): CoreConnection {
  return (conn as unknown as { connection: CoreConnection }).connection;
}

/**
 * Closes a connection at once, socket included. mysql2's destroy() only ends our side of the socket: a
 * server thread blocked sending a paused result then stays in "Writing to net", its snapshot transaction
 * and metadata locks held (a DROP DATABASE or ALTER waits behind it) until net_write_timeout.
 */
export function hardClose(conn: mysql.Connection): void {
  const core = coreOf(conn);
  core.destroy();
  core.stream?.destroy();
}

/** `end()` waits for the server's answer to QUIT: a dead or stopped server must not hold the exit. */
export async function closeMysql(conn: mysql.Connection): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 2000);
  });
  const ended = await Promise.race([
    conn.end().then(
      () => 'ok' as const,
      () => 'late' as const,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (ended === 'late') hardClose(conn);
}

/** Rows of a query as arrays, one at a time (the server is paused while Node is busy). */
export async function* streamRows(
  conn: mysql.Connection,
  sql: string,
  values: unknown[] = [],
  highWaterMark = 2000,
): AsyncGenerator<unknown[]> {
  const stream = coreOf(conn).query({ sql, values, rowsAsArray: true }).stream({ highWaterMark });
  for await (const row of stream) yield row as unknown as unknown[];
}
