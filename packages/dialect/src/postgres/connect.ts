import { ConvError, connectionError, isLostConnection, lostSessionError, serverOf } from '@conv/core';
import pg from 'pg';

/** Connecting and logging in gives up after this long (a server that accepts TCP and never answers). */
export const DEFAULT_CONNECT_MS = 30_000;

export interface PgConnectOptions {
  /** `application_name`: `conv import`, `conv verify` … (pg_stat_activity shows who holds what). */
  application: string;
  connectMs?: number;
  /** `SET lock_timeout` (ms) right after connecting: waiting for another session's lock ends. */
  lockMs?: number;
  /** Extra texts to keep out of the error message (the URL's password always is). */
  secrets?: string[];
  hint?: string;
}

/**
 * Every PostgreSQL session of conv: a connect timeout and TCP keepalives (a dead peer is noticed by the
 * kernel, not after hours), and an application_name.
 */
export function pgClientConfig(
  url: string,
  options: Pick<PgConnectOptions, 'application' | 'connectMs'>,
): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: options.application,
    connectionTimeoutMillis: options.connectMs ?? DEFAULT_CONNECT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/** The lock_timeout statement: whole milliseconds, at least 1 (0 would mean "wait forever"). */
export function lockTimeoutStatement(lockMs: number): string {
  return `SET lock_timeout = ${Math.max(1, Math.floor(lockMs))}`;
}

/** Closes the client's socket at once: the server rolls back the open transaction. */
export function cutConnection(client: pg.ClientBase, reason: Error): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(err?: Error): void } } })
    .connection?.stream;
  stream?.destroy(reason);
}

/**
 * The one way conv opens a PostgreSQL session. A server-side disconnect (restart, pg_terminate_backend)
 * then fails the running or next query, never the process through an unhandled 'error' event.
 */
export async function connectPg(url: string, options: PgConnectOptions): Promise<pg.Client> {
  const client = new pg.Client(pgClientConfig(url, options));
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    cutConnection(client, new Error('closed'));
    throw connectionError('PostgreSQL', url, err, {
      ...(options.secrets ? { secrets: options.secrets } : {}),
      location: { server: serverOf(url) },
      ...(options.hint ? { hint: options.hint } : {}),
    });
  }
  if (options.lockMs !== undefined) {
    try {
      await client.query(lockTimeoutStatement(options.lockMs));
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }
  return client;
}

/** Runs `fn` with a client: the given one (left open), or one opened from the URL (closed after). */
export async function withPg<T>(
  source: pg.ClientBase | string,
  fn: (client: pg.ClientBase) => Promise<T>,
  options: PgConnectOptions,
): Promise<T> {
  if (typeof source !== 'string') return fn(source);
  const client = await connectPg(source, options);
  try {
    return await fn(client);
  } catch (err) {
    // Our own session died mid-run (pg_terminate_backend, restart): a connection error, exit 5.
    throw !(err instanceof ConvError) && isLostConnection(err)
      ? lostSessionError('PostgreSQL', source, err)
      : err;
  } finally {
    await client.end().catch(() => {});
  }
}
