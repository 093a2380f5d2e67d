import { z } from 'zod';
import { MigrationPlanSchema } from './plan.js';

export const MANIFEST_FILE = 'migration_manifest.json';
export const MANIFEST_VERSION = 1;

/** The CSV dialect every conv export uses: what PostgreSQL `COPY … (FORMAT csv, HEADER true)` expects. */
export const CSV_CONVENTION = {
  format: 'csv',
  encoding: 'utf8',
  header: true,
  delimiter: ',',
  quote: '"',
  null: 'unquoted-empty',
} as const;

export const ManifestTableSchema = z.object({
  /** Source table name. */
  table: z.string(),
  /** Target table name (usually the same). */
  target: z.string(),
  file: z.string(),
  /** Target column names, exactly the CSV header, in order. */
  columns: z.array(z.string()),
  /** Exact row count, counted in the export snapshot; equals the data lines written. */
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ManifestTable = z.infer<typeof ManifestTableSchema>;

export const ManifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  tool: z.object({ name: z.literal('conv'), version: z.string() }),
  app: z.string(),
  source: z.object({
    dialect: z.enum(['mysql', 'mariadb']),
    version: z.string(),
    /** host:port only; never credentials. */
    server: z.string(),
    database: z.string(),
    snapshot: z.object({
      consistent: z.boolean(),
      connections: z.number().int().positive(),
      binlogFile: z.string().nullable(),
      binlogPosition: z.number().int().nullable(),
      gtid: z.string().nullable(),
    }),
  }),
  startedAt: z.string(),
  finishedAt: z.string(),
  planHash: z.string(),
  plan: MigrationPlanSchema,
  csv: z.object({
    format: z.literal('csv'),
    encoding: z.literal('utf8'),
    header: z.literal(true),
    delimiter: z.literal(','),
    quote: z.literal('"'),
    /** PostgreSQL COPY CSV default: an unquoted empty field is NULL, `""` is the empty string. */
    null: z.literal('unquoted-empty'),
  }),
  tables: z.array(ManifestTableSchema),
  totals: z.object({
    tables: z.number().int().nonnegative(),
    rows: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
  }),
});
export type Manifest = z.infer<typeof ManifestSchema>;
