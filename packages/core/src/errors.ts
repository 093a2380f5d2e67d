import type { ErrorCode } from './error-codes.js';
import { redactText, redactUrl } from './redact.js';

/** Exit codes shared by every conv command (documented in the README). */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  /** `check` found values or schema gaps that would break or damage the load. */
  checkFailed: 3,
  /** `verify` found a difference. */
  verifyMismatch: 4,
  /** A server could not be reached or refused the login. */
  connection: 5,
  /** A row was rejected while loading; the target was rolled back. */
  loadFailed: 6,
  /** An export directory does not match its manifest. */
  badInput: 7,
  /** Stopped by the operator (SIGINT/SIGTERM), the shell's convention 128 + 2. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorLocation {
  table?: string;
  column?: string;
  /** 1-based line number in a file, or a row key. */
  line?: number;
  key?: Record<string, string | null>;
  file?: string;
  server?: string;
  /** The server's engine, for errors about a connection. */
  engine?: 'MySQL' | 'PostgreSQL';
}

export interface ConvErrorOptions {
  /** Public through `--json`: one of ERROR_CODES. */
  code: ErrorCode;
  /** The process exit code; ExitCode.unexpected unless given. */
  exit?: ExitCodeValue;
  /** Where: table, column, row, file, server. */
  at?: ErrorLocation;
  /** How to fix it, printed after the message. */
  hint?: string | undefined;
  cause?: unknown;
}

/**
 * An error a user can act on: a message that names where (table, column, row, file) and how to fix it.
 * CLIs print `message` (and `hint`) without a stack trace and exit with `exitCode`.
 */
export class ConvError extends Error {
  override readonly name = 'ConvError';
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeValue;
  readonly location: ErrorLocation;
  readonly hint: string | undefined;
  constructor(message: string, options: ConvErrorOptions) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = options.code;
    this.exitCode = options.exit ?? ExitCode.unexpected;
    this.location = options.at ?? {};
    this.hint = options.hint;
  }
}

export function isConvError(err: unknown): err is ConvError {
  return err instanceof ConvError;
}

/**
 * The error for a server that could not be reached or refused the login (`connect.failed`): names the
 * server (credentials masked), keeps the driver's reason with every secret removed, and exits with
 * ExitCode.connection.
 */
export function connectionError(
  engine: 'MySQL' | 'PostgreSQL',
  url: string,
  err: unknown,
  options: { secrets?: readonly string[]; hint?: string; location?: ErrorLocation } = {},
): ConvError {
  const e = err as { code?: string; message?: string };
  const reason = e?.message || e?.code || String(err);
  return new ConvError(
    `cannot connect to ${engine} at ${redactUrl(url)}: ${redactText(reason, [url, ...(options.secrets ?? [])])}`,
    {
      code: 'connect.failed',
      exit: ExitCode.connection,
      at: { ...options.location, engine },
      hint: options.hint,
      cause: err,
    },
  );
}
