import { z } from 'zod';

/** The statuses the old `log_migration_run.sh` accepted; anything else is rejected. */
export const RUN_STATUSES = ['started', 'in_progress', 'completed', 'rolled_back', 'failed'] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

const count = z.number().int().nonnegative();

/** One line of the run history, as stored in `migration_log.json` and mirrored into `conv_migration_log`. */
export const AuditEventSchema = z.object({
  runId: z.string().min(1),
  /** UTC, ISO 8601 with milliseconds: `2026-11-24T07:04:00.123Z`. */
  timestamp: z.iso.datetime(),
  status: RunStatusSchema,
  message: z.string(),
  host: z.string(),
  user: z.string(),
  pid: z.number().int(),
  /** CONV_VERSION of the tool that wrote the event. */
  toolVersion: z.string(),
  app: z.string().optional(),
  /** For step events: `export`, `import`, `verify`, … */
  step: z.string().optional(),
  /** Table names the step touched, or how many. */
  tables: z.union([count, z.array(z.string())]).optional(),
  rows: count.optional(),
  bytes: count.optional(),
  durationMs: count.optional(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/** What a caller gives `append`; the rest (timestamp, host, user, pid, version) is filled in. */
// The caller's fields are the event's; the status is checked on its own first (its error lists the statuses).
export const AuditEventInputSchema = AuditEventSchema.pick({
  runId: true,
  app: true,
  step: true,
  tables: true,
  rows: true,
  bytes: true,
  durationMs: true,
}).extend({ status: z.string(), message: z.string().optional() });
export type AuditEventInput = {
  runId: string;
  status: RunStatus;
  message?: string;
  app?: string;
  step?: string;
  tables?: number | string[];
  rows?: number;
  bytes?: number;
  durationMs?: number;
};

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}
