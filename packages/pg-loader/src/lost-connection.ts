import { ConvError, type ErrorLocation, ExitCode } from '@conv/core';

export { isLostConnection } from '@conv/core';

/** The connection error (exit 5) for a load whose PostgreSQL session died: the data is not at fault. */
export function lostConnectionError(
  err: unknown,
  what: string,
  location: ErrorLocation,
  committed: string,
): ConvError {
  const e = err as { code?: string; message?: string };
  const reason = `${e?.message ?? String(err)}${e?.code ? ` [${e.code}]` : ''}`;
  return new ConvError(`the PostgreSQL connection was lost ${what}: ${reason}; ${committed}`, {
    code: 'connect.lost',
    exit: ExitCode.connection,
    at: { ...location, engine: 'PostgreSQL' },
    hint:
      'The data is not at fault: the server restarted, crashed, or the session was terminated (pg_terminate_backend, idle timeouts, network). ' +
      'Check the PostgreSQL server and its log, then run the import again.',
    cause: err,
  });
}
