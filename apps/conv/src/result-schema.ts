// The JSON documents the commands print with --json, as zod models: one envelope (ok, exitCode, the
// versions, the command) and a payload per command. `pnpm --filter @conv/cli schema` writes the JSON
// Schema generated from them to apps/conv/schema/conv-result.schema.json (a test keeps it current).
import {
  CONV_VERSION,
  ERROR_CODE_LIST,
  ManifestSchema,
  ManifestTableSchema,
  MigrationPlanSchema,
} from '@conv/core';
import { CheckReportSchema } from '@conv/schema-introspect';
import { z } from 'zod';

/** Bumped when a field is removed or changes meaning (adding fields keeps it). */
export const RESULT_SCHEMA_VERSION = 1;

export const COMMANDS = [
  'check',
  'plan',
  'export',
  'import',
  'migrate',
  'verify',
  'log',
  'run',
  'show',
  'sync',
  'cutover',
] as const;

const count = z.number().int().nonnegative();

const Envelope = z.object({
  /** True exactly when exitCode is 0. */
  ok: z.boolean(),
  /** The process exit code (README table). */
  exitCode: z.number().int(),
  /** Version of conv that printed the document. */
  convVersion: z.string(),
  /** Version of this document shape. */
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  /** The command; null when the command line could not be parsed. */
  command: z.enum(COMMANDS).nullable(),
  /** The run the command's events went to (commands that write to the audit log). */
  runId: z.string().optional(),
});

/** `error.code`: public, so a closed list. */
const ErrorCodeSchema = z.enum(ERROR_CODE_LIST);

/** Any failure: usage and configuration errors included. */
export const ErrorResultSchema = Envelope.extend({
  ok: z.literal(false),
  error: z.object({
    /** One of ERROR_CODES in @conv/core (docs/troubleshooting.md#error-codes). */
    code: ErrorCodeSchema,
    message: z.string(),
    hint: z.string().nullable(),
    location: z.record(z.string(), z.unknown()),
  }),
});

/** A table the plan does not load, and why: one shape in every document (check, export, import, run). */
export const SkippedReportSchema = z.object({
  table: z.string(),
  /** `source`: a MySQL table not loaded; `target`: a PostgreSQL table nothing feeds; `both`: excluded on both. */
  side: z.enum(['source', 'target', 'both']),
  reason: z.string(),
  detail: z.string(),
  /** The profile expected it (history, cache, excluded or expected-missing tables). */
  expected: z.boolean(),
});

export const CheckResultSchema = Envelope.extend({
  command: z.literal('check'),
  ...CheckReportSchema.shape,
  skipped: z.array(SkippedReportSchema),
});

export const PlanResultSchema = Envelope.extend({ command: z.literal('plan'), ...MigrationPlanSchema.shape });

export const ExportResultSchema = Envelope.extend({
  command: z.literal('export'),
  dir: z.string(),
  totals: ManifestSchema.shape.totals,
  tables: z.array(ManifestTableSchema),
  skipped: z.array(SkippedReportSchema),
});

export const ImportResultSchema = Envelope.extend({
  command: z.literal('import'),
  dir: z.string(),
  strategy: z.string(),
  strategyReason: z.string(),
  mode: z.string(),
  /** `parts`: loaded in that many primary-key ranges (migrate, per-table mode). */
  loaded: z.array(
    z.object({ table: z.string(), rows: count, bytes: count, ms: count, parts: count.optional() }),
  ),
  /** Sums over `loaded`. */
  totals: z.object({ tables: count, rows: count, bytes: count }),
  skipped: z.array(SkippedReportSchema),
  truncated: z.array(z.string()),
  sequences: z.array(z.object({ sequence: z.string(), value: z.string() })),
  /** Rows the planned tables held before the load (`--replace`). */
  replaced: z.array(z.object({ table: z.string(), rows: count })).optional(),
  /** What `--triggers` did with each user trigger of a loaded table. */
  triggers: z
    .array(z.object({ table: z.string(), trigger: z.string(), action: z.enum(['fired', 'skipped']) }))
    .optional(),
  /** Secondary indexes dropped before a table's COPY and rebuilt after it. */
  deferredIndexes: z
    .array(z.object({ table: z.string(), indexes: z.array(z.string()), ms: count }))
    .optional(),
  checkedForeignKeys: count,
  resumed: z.array(z.string()),
  /** Tables given key ranges that loaded in one transaction all the same, and why (migrate, per-table). */
  loadedWhole: z.array(z.object({ table: z.string(), reason: z.string() })).optional(),
  scriptFile: z.string(),
  logFile: z.string(),
  ms: count,
});

const RowMismatchSchema = z.object({
  key: z.record(z.string(), z.string().nullable()),
  columns: z.array(z.string()),
  kind: z.enum(['differs', 'missing-in-target', 'extra-in-target']),
});

export const VerifyReportSchema = z.object({
  mode: z.enum(['counts', 'full', 'sample', 'keys']),
  hashIn: z.enum(['sql', 'node']),
  chunkRows: count,
  samplePercent: z.number().nullable(),
  tables: z.array(
    z.object({
      table: z.string(),
      target: z.string(),
      sourceRows: count,
      targetRows: count,
      countMatch: z.boolean(),
      checksumMatch: z.boolean().nullable(),
      mismatches: z.array(RowMismatchSchema),
      mismatchesTruncated: z.boolean(),
      chunks: z.object({
        chunking: z.enum(['range', 'bucket', 'none']),
        total: count,
        checked: count,
        mismatched: count,
      }),
      ms: count,
    }),
  ),
  totals: z.object({ tables: count, sourceRows: count, targetRows: count, mismatchedTables: count }),
  /** Foreign keys of loaded tables not as the schema had them (missing after an unfinished load, NOT VALID). */
  constraints: z
    .array(
      z.object({
        table: z.string(),
        constraint: z.string(),
        problem: z.enum(['missing', 'not-valid']),
        detail: z.string(),
      }),
    )
    .optional(),
  ms: count,
});

export const VerifyResultSchema = Envelope.extend({
  command: z.literal('verify'),
  ...VerifyReportSchema.shape,
});

export const LogResultSchema = Envelope.extend({
  command: z.literal('log'),
  runId: z.string(),
  status: z.enum(['started', 'in_progress', 'completed', 'rolled_back', 'failed']),
  file: z.string(),
  /** The run's report, rewritten by each command of the run (see docs/runbook.md). */
  report: z.object({ html: z.string(), markdown: z.string() }).optional(),
});

export const RunResultSchema = Envelope.extend({
  command: z.literal('run'),
  runId: z.string(),
  auditLog: z.string(),
  exportDir: z.string().nullable(),
  /** The report pages written next to the export (null when the run stopped before exporting). */
  report: z.object({ html: z.string(), markdown: z.string() }).nullable().optional(),
  skipped: z.array(SkippedReportSchema),
  check: CheckReportSchema.shape.counts.nullable(),
  imported: z.object({ tables: count, rows: count, bytes: count, strategy: z.string() }).nullable(),
  verify: VerifyReportSchema.extend({ ok: z.boolean() }).nullable(),
  error: z
    .object({
      code: ErrorCodeSchema,
      message: z.string(),
      hint: z.string().nullable(),
      location: z.record(z.string(), z.unknown()),
    })
    .nullable(),
  config: z.record(z.string(), z.unknown()),
});

export const ShowResultSchema = Envelope.extend({
  command: z.literal('show'),
  dir: z.string(),
  manifest: z.record(z.string(), z.unknown()),
});

/** `sync` and `cutover` (@conv/binlog-sync): positions, applied changes, timings; fields as the library returns them. */
export const SyncResultSchema = Envelope.extend({ command: z.literal('sync') }).catchall(z.unknown());
export const CutoverResultSchema = Envelope.extend({ command: z.literal('cutover') }).catchall(z.unknown());

/** `migrate` (@conv/migrate): import's fields plus the run directory, snapshot, source and notes. */
export const MigrateResultSchema = ImportResultSchema.extend({
  command: z.literal('migrate'),
  /** Tables larger than their share of --jobs: in how many primary-key ranges each was loaded, and why. */
  split: z.array(z.object({ table: z.string(), target: z.string(), parts: count, reason: z.string() })),
}).catchall(z.unknown());

/** Every document `--json` prints: one of these, exactly once per command. */
export const ConvResultSchema = z.union([
  ErrorResultSchema,
  CheckResultSchema,
  PlanResultSchema,
  ExportResultSchema,
  ImportResultSchema,
  MigrateResultSchema,
  VerifyResultSchema,
  LogResultSchema,
  RunResultSchema,
  ShowResultSchema,
  SyncResultSchema,
  CutoverResultSchema,
]);
export type ConvResult = z.infer<typeof ConvResultSchema>;

/** The JSON Schema (draft 2020-12) of ConvResultSchema, as published in apps/conv/schema/. */
export function resultJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://conv.dev/schema/conv-result.schema.json',
    title: `conv --json result (schemaVersion ${RESULT_SCHEMA_VERSION})`,
    ...z.toJSONSchema(ConvResultSchema, { target: 'draft-2020-12', io: 'output' }),
  };
}

/** The envelope fields every document starts with. */
export function envelope(command: ConvResult['command'], exitCode: number) {
  return {
    ok: exitCode === 0,
    exitCode,
    convVersion: CONV_VERSION,
    schemaVersion: RESULT_SCHEMA_VERSION,
    command,
  } as const;
}
