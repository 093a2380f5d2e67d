import { hostname, userInfo } from 'node:os';
import { CONV_VERSION, ConvError, ExitCode, redactText, redactUrl } from '@conv/core';
import {
  type AuditEvent,
  type AuditEventInput,
  AuditEventInputSchema,
  AuditEventSchema,
  isRunStatus,
  RUN_STATUSES,
} from './event.js';
import { appendToFile, type LockOptions } from './file-store.js';
import { mirrorToPg } from './pg-mirror.js';

export interface AuditLogOptions extends LockOptions {
  /** Path of `migration_log.json`. */
  file: string;
  /** When given, every event is also inserted into `conv_migration_log` of this PostgreSQL database. */
  pgUrl?: string;
  /** Schema of the mirror table (default `public`). */
  pgSchema?: string;
  /**
   * Called when the PostgreSQL mirror fails (the event is already safe in the file). Default: one line
   * on stderr. The error text is redacted.
   */
  onMirrorError?: (error: Error, event: AuditEvent) => void;
  /** For tests: fixed clock. */
  now?: () => Date;
}

export interface AuditLog {
  readonly file: string;
  /** Validates, stamps, writes to the file (durably, under the lock), then mirrors. Returns the stored event. */
  append(event: AuditEventInput): Promise<AuditEvent>;
  /** Mirror failures so far (redacted messages), oldest first. */
  readonly mirrorErrors: readonly string[];
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  }
}

/** Turns what a caller passed into a complete event, or a ConvError saying what is wrong. */
export function buildEvent(input: AuditEventInput, now: Date = new Date()): AuditEvent {
  const status = (input as { status?: unknown }).status;
  if (!isRunStatus(status)) {
    throw new ConvError(
      `invalid run status ${JSON.stringify(status)}: expected one of ${RUN_STATUSES.join(', ')}`,
      { code: 'audit.status', exit: ExitCode.usage, hint: `use e.g. \`log completed "message"\`` },
    );
  }
  const parsed = AuditEventInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConvError(`invalid audit event: ${issue?.path.join('.') || 'event'}: ${issue?.message}`, {
      code: 'audit.event',
      exit: ExitCode.usage,
    });
  }
  const { runId, message, app, step, tables, rows, bytes, durationMs } = parsed.data;
  const event: AuditEvent = {
    runId,
    timestamp: now.toISOString(),
    status,
    // A URL with a password pasted into a message must not end up in the log.
    message: redactText(message ?? ''),
    host: hostname(),
    user: currentUser(),
    pid: process.pid,
    toolVersion: CONV_VERSION,
  };
  if (app !== undefined) event.app = app;
  if (step !== undefined) event.step = step;
  if (tables !== undefined) event.tables = tables;
  if (rows !== undefined) event.rows = rows;
  if (bytes !== undefined) event.bytes = bytes;
  if (durationMs !== undefined) event.durationMs = durationMs;
  return AuditEventSchema.parse(event);
}

export function openAuditLog(options: AuditLogOptions): AuditLog {
  const mirrorErrors: string[] = [];
  const onMirrorError =
    options.onMirrorError ??
    ((error: Error) => {
      process.stderr.write(
        `conv: audit event kept in ${options.file} but not mirrored to PostgreSQL ${
          options.pgUrl ? redactUrl(options.pgUrl) : ''
        }: ${error.message}\n`,
      );
    });
  return {
    file: options.file,
    mirrorErrors,
    async append(input) {
      const event = buildEvent(input, options.now?.() ?? new Date());
      await appendToFile(options.file, [event], options);
      if (options.pgUrl) {
        try {
          await mirrorToPg(options.pgUrl, options.pgSchema ?? 'public', [event]);
        } catch (err) {
          const error = err as Error;
          mirrorErrors.push(error.message);
          onMirrorError(error, event);
        }
      }
      return event;
    },
  };
}
