import { ConvError, ExitCode } from '@conv/core';
import pg from 'pg';

/**
 * Stops an import when `signal` aborts (the operator's SIGINT/SIGTERM): the running statement (a COPY can
 * last minutes) is cancelled with `pg_cancel_backend` from a second connection, so the import's own error
 * path rolls back and reports. Returns a function that stops watching.
 */
export function cancelOnAbort(client: pg.Client, pgUrl: string, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  const onAbort = async () => {
    const pid = (client as unknown as { processID?: number }).processID;
    if (!pid) return;
    const other = new pg.Client({ connectionString: pgUrl, application_name: 'conv import (cancel)' });
    try {
      await other.connect();
      await other.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
    } catch {
      // the statement ends anyway at the next check of the signal
    } finally {
      await other.end().catch(() => {});
    }
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

export function interruptedError(mode: string, committed: string): ConvError {
  return new ConvError(
    `import interrupted by the operator: ${mode === 'per-table' ? `the table being loaded was rolled back; committed so far: ${committed}` : 'rolled back, the target is as it was'}`,
    'interrupted',
    ExitCode.interrupted,
    {},
    mode === 'per-table'
      ? 'run the import again to resume after the committed tables'
      : 'run the import again when ready',
  );
}
