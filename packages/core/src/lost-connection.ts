import { ConvError, ExitCode } from './errors.js';
import { redactText, serverOf } from './redact.js';

/**
 * Whether a driver error means the session itself is gone, not that a statement or a value was wrong:
 * the caller reports a connection error (exit 5) with a hint about the server, never "unexpected".
 */

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (terminated by an administrator,
 * crash shutdown, cannot connect now), 57P05 (idle session timeout).
 */
const PG_LOST_STATES = new Set(['57P01', '57P02', '57P03', '57P05']);
/** Node errors of a socket that closed under the driver. */
const SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ENOTCONN']);
const PG_LOST_MESSAGE =
  /Connection terminated|Client was closed|connection (?:is )?closed|Client has encountered a connection error/i;

/** Whether `err` says the PostgreSQL connection was lost (terminated backend, restart, crash, network). */
export function isLostConnection(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('08') || PG_LOST_STATES.has(code) || SOCKET_CODES.has(code)) return true;
  return !code && typeof e?.message === 'string' && PG_LOST_MESSAGE.test(e.message);
}

/** mysql2 codes of a MySQL session that was killed, shut down or cut (KILL <id>, restart, network). */
const MYSQL_LOST_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED',
]);
/** mysql2's error for a statement sent on a connection that already died (it has no code). */
const MYSQL_CLOSED_MESSAGE = /connection is in closed state/i;

/** Whether `err` says the MySQL connection was lost (KILL, KILL QUERY, restart, crash, network). */
export function isMysqlLostConnection(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (MYSQL_LOST_CODES.has(code) || SOCKET_CODES.has(code)) return true;
  return typeof e?.message === 'string' && MYSQL_CLOSED_MESSAGE.test(e.message);
}

/**
 * A session of ours that died mid-run (KILL, restart, crash, network): exit 5 naming the server, not
 * "unexpected" — nothing is wrong with the schema or the data.
 */
export function lostSessionError(engine: 'MySQL' | 'PostgreSQL', url: string, err: unknown): ConvError {
  const e = err as { code?: string; message?: string };
  const reason = redactText(`${e?.message ?? String(err)}${e?.code ? ` [${e.code}]` : ''}`, [url]);
  return new ConvError(`the connection to ${engine} server ${serverOf(url)} was lost: ${reason}`, {
    code: 'connect.lost',
    exit: ExitCode.connection,
    at: { server: serverOf(url), engine },
    hint: `the server closed the session (KILL, ${engine === 'MySQL' ? 'KILL QUERY' : 'pg_terminate_backend'}, a restart, a crash or the network): nothing was written; check the server and run again`,
    cause: err,
  });
}
