import { ConvError, type ErrorLocation, ExitCode } from '@conv/core';

/**
 * SQLSTATEs that mean the session itself is gone or going, not that a row was wrong: class 08
 * (connection exception), 57P01–57P03 (terminated by an administrator, crash shutdown, cannot connect
 * now), 57P05 (idle session timeout).
 */
const LOST_STATES = new Set(['57P01', '57P02', '57P03', '57P05']);
/** Node/pg errors of a socket that closed under the driver. */
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ENOTCONN']);
const LOST_MESSAGE =
  /Connection terminated|Client was closed|connection (?:is )?closed|Client has encountered a connection error/i;

/** Whether `err` says the PostgreSQL connection was lost (terminated backend, restart, crash, network). */
export function isLostConnection(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('08') || LOST_STATES.has(code) || LOST_CODES.has(code)) return true;
  return !code && typeof e?.message === 'string' && LOST_MESSAGE.test(e.message);
}

/** The connection error (exit 5) for a load whose PostgreSQL session died: the data is not at fault. */
export function lostConnectionError(
  err: unknown,
  what: string,
  location: ErrorLocation,
  committed: string,
): ConvError {
  const e = err as { code?: string; message?: string };
  const reason = `${e?.message ?? String(err)}${e?.code ? ` [${e.code}]` : ''}`;
  return new ConvError(
    `the PostgreSQL connection was lost ${what}: ${reason}; ${committed}`,
    'pg-connection-lost',
    ExitCode.connection,
    location,
    'The data is not at fault: the server restarted, crashed, or the session was terminated (pg_terminate_backend, idle timeouts, network). ' +
      'Check the PostgreSQL server and its log, then run the import again.',
    { cause: err },
  );
}
