import { ConvError, ExitCode } from '@conv/core';

/**
 * Bounds on every wait of an import. A server that accepts TCP and never answers, a backend that stops
 * (SIGSTOP, a frozen VM) or a network that drops packets silently would otherwise hang the import forever.
 */
export interface ImportTimeouts {
  /** Connecting and logging in (default 30 s). */
  connectMs?: number;
  /** A COPY that moves no byte for this long is abandoned (default 120 s). */
  stallMs?: number;
  /** Waiting for a table lock (TRUNCATE, ALTER TABLE) held by another session (default 120 s). */
  lockMs?: number;
}

export const DEFAULT_TIMEOUTS: Required<ImportTimeouts> = {
  connectMs: 30_000,
  stallMs: 120_000,
  lockMs: 120_000,
};

export { cutConnection } from '@conv/dialect/postgres';

/**
 * Calls `onStall` when `touch()` was not called for `stallMs`. Returns the touch function and a stop
 * function. Checked every second at most, so a stall is noticed within stallMs + 1 s.
 */
export function stallWatch(stallMs: number, onStall: () => void): { touch(): void; stop(): void } {
  let last = Date.now();
  const timer = setInterval(
    () => {
      if (Date.now() - last >= stallMs) {
        clearInterval(timer);
        onStall();
      }
    },
    Math.min(1000, Math.max(50, Math.floor(stallMs / 4))),
  );
  timer.unref();
  return {
    touch: () => {
      last = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}

export function stalledError(server: string, table: string, stallMs: number): ConvError {
  return new ConvError(
    `PostgreSQL server ${server} did not take any data of ${table} for ${Math.round(stallMs / 1000)} s: the load was abandoned (timeout) and rolled back`,
    {
      code: 'connect.stalled',
      exit: ExitCode.connection,
      at: { table, server, engine: 'PostgreSQL' },
      hint: 'The server (or its backend process) stopped answering: check it is running and reachable, then run the import again.',
    },
  );
}

export function interruptedError(target: string, mode: string, committed: () => string): ConvError {
  return new ConvError(
    `import into ${target} interrupted by the operator (SIGINT/SIGTERM): ${mode === 'per-table' ? `the table being loaded was rolled back; committed so far: ${committed()}` : 'rolled back, the target is as it was'}`,
    {
      code: 'process.interrupted',
      exit: ExitCode.interrupted,
      hint:
        mode === 'per-table'
          ? 'Run the import again to resume after the committed tables.'
          : 'Run the import again when ready: nothing was kept.',
    },
  );
}
