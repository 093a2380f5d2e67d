import { z } from 'zod';

/**
 * How one value travels. Chosen from the (source type, target type) pair, target first:
 * a `char(36)` is `uuid` only because the PostgreSQL column is `uuid`.
 * The encoder for each kind lives in @conv/csv-codec; the canonical form for checksums in @conv/verify.
 */
export const ConversionSchema = z.enum([
  'text', // string → text/varchar/char/citext: unchanged ('' stays '')
  'uuid', // char/varchar/binary(16)/MariaDB uuid → uuid: '' → NULL, else must be a UUID
  'boolean', // tinyint/bit(1)/bool → boolean: 0 → false, 1 → true, anything else is a data error
  'integer', // any integer → int2/int4/int8/numeric (range-checked by `check`)
  'numeric', // decimal/double → numeric/float8, as the server printed it
  'float', // MySQL FLOAT: selected as CAST(col AS DOUBLE) so no digits are lost
  'timestamp', // datetime/timestamp → timestamp/timestamptz, every fractional digit, zero date → NULL
  'date', // date → date, zero date → NULL
  'time', // time → time (must lie within 00:00..24:00)
  'interval', // time → interval (any MySQL time)
  'year', // year → int
  'json', // json text → json, untouched
  'jsonb', // json text → jsonb (\u0000 is a data error)
  'enum', // enum label → PG enum or text (label must exist)
  'set-text', // set 'a,b' → text 'a,b'
  'set-array', // set 'a,b' → text[] {a,b}
  'bytea', // blob/binary/varbinary → bytea hex \x…
  'binary-text', // binary/blob → text column: bytes must be valid UTF-8 without 0x00
  'bit', // bit(n>1) → bit(n)/varbit: bits as '0101…'
]);
export type Conversion = z.infer<typeof ConversionSchema>;

/**
 * A per-column transform from a profile, applied in the export SELECT (never by mutating the source).
 * - `base64`: bytes held in a text/blob column are carried as base64 text (no line breaks).
 * - `lookup`: replace the value by `valueColumn` of the row in `table` whose `matchColumn` equals it;
 *   values that already match `valueColumn` (or match nothing) are kept.
 * - `sql`: a MySQL expression; `{{value}}` stands for the quoted source column.
 */
export const TransformSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('base64') }),
  z.object({
    kind: z.literal('lookup'),
    table: z.string(),
    matchColumn: z.string(),
    valueColumn: z.string(),
    /** Collations of the two lookup columns, filled in by the plan from the source catalog (index use). */
    matchCollation: z.string().optional(),
    valueCollation: z.string().optional(),
  }),
  z.object({ kind: z.literal('sql'), expression: z.string() }),
]);
export type Transform = z.infer<typeof TransformSchema>;

export const ColumnPairSchema = z.object({
  source: z.string(),
  target: z.string(),
  /** Source COLUMN_TYPE (`char(36)`, `tinyint(1)`, `longtext`…) and DATA_TYPE. */
  sourceType: z.string(),
  sourceDataType: z.string(),
  /** Target format_type() and base type. */
  targetType: z.string(),
  targetBaseType: z.string(),
  conversion: ConversionSchema,
  sourceNullable: z.boolean(),
  targetNullable: z.boolean(),
  /** Target length limit in characters (varchar(n)/char(n)), when there is one. */
  targetMaxLength: z.number().int().nullable(),
  /** Target enum labels when the target is a PG enum (or a check-listed text, when known). */
  targetEnumLabels: z.array(z.string()).nullable(),
  transform: TransformSchema.nullable(),
  /** How the name matched: exactly, ignoring case, as snake_case, or by a profile rename. */
  match: z.enum(['exact', 'case-insensitive', 'snake-case', 'renamed']),
});
export type ColumnPair = z.infer<typeof ColumnPairSchema>;

export const OmittedColumnSchema = z.object({
  column: z.string(),
  side: z.enum(['source', 'target']),
  reason: z.enum(['generated', 'missing-in-target', 'missing-in-source', 'excluded', 'ambiguous']),
  detail: z.string(),
});
export type OmittedColumn = z.infer<typeof OmittedColumnSchema>;

export const PlannedTableSchema = z.object({
  /**
   * `load`: exported, then loaded into the target table. `export-only`: the target lacks the table (or the
   * profile keeps it out of the load: migration history, cache); it is still exported so that the export
   * directory is a complete copy of the source, with each column paired to its natural PostgreSQL type.
   */
  action: z.enum(['load', 'export-only']),
  /** For `export-only` tables: why the table is not loaded. */
  skipReason: z.lazy(() => SkipReasonSchema).nullable(),
  source: z.string(),
  target: z.string(),
  targetSchema: z.string(),
  /** Source primary key (source column names); empty when the table has none (a unique key is used then). */
  primaryKey: z.array(z.string()),
  /** Column used to split the table into ranges and to name rows in reports: PK, else first unique key. */
  rowKey: z.array(z.string()),
  columns: z.array(ColumnPairSchema),
  omitted: z.array(OmittedColumnSchema),
  approxRows: z.number().int().nonnegative(),
  approxBytes: z.number().int().nonnegative(),
});
export type PlannedTable = z.infer<typeof PlannedTableSchema>;

export const SkipReasonSchema = z.enum([
  'missing-in-target',
  'missing-in-source',
  'excluded-by-profile',
  'not-included',
  'migration-history',
  'cache',
]);
export type SkipReason = z.infer<typeof SkipReasonSchema>;

export const SkippedTableSchema = z.object({
  table: z.string(),
  side: z.enum(['source', 'target', 'both']),
  reason: SkipReasonSchema,
  detail: z.string(),
  /** The profile accounts for it (excluded, history, cache, `expectedMissingInTarget`): reported, not a warning. */
  expected: z.boolean().default(false),
});
export type SkippedTable = z.infer<typeof SkippedTableSchema>;

export const PlanIssueSchema = z.object({
  severity: z.enum(['error', 'warning', 'info']),
  code: z.string(),
  table: z.string(),
  column: z.string().nullable(),
  message: z.string(),
  /**
   * The PostgreSQL names the issue is about when they differ from `table`/`column` (which are MySQL names
   * for source-side issues): a fix run in PostgreSQL must name the target table and column.
   */
  targetTable: z.string().optional(),
  targetColumn: z.string().optional(),
});
export type PlanIssue = z.infer<typeof PlanIssueSchema>;

export const ProfileSchema = z.object({
  name: z.string().default('generic'),
  /** Only these source tables (empty: all). */
  include: z.array(z.string()).default([]),
  /** Source tables never moved. */
  exclude: z.array(z.string()).default([]),
  /** Tables treated as migration history or cache (skipped unless `includeHistory`). */
  historyTables: z.array(z.string()).default([]),
  cacheTables: z.array(z.string()).default([]),
  includeHistory: z.boolean().default(false),
  /** Tables the operator expects to be skipped as missing in the target (reported, not an error). */
  expectedMissingInTarget: z.array(z.string()).default([]),
  /** `table.column` → transform. */
  transforms: z.record(z.string(), TransformSchema).default({}),
  /**
   * Explicit renames, applied before any name matching: `tables` maps a source table to its target table,
   * `columns` maps `sourceTable.sourceColumn` to the target column (of whatever table the source table loads into).
   */
  renames: z
    .object({
      tables: z.record(z.string(), z.string()).default({}),
      columns: z.record(z.string(), z.string()).default({}),
    })
    .default({ tables: {}, columns: {} }),
  targetSchema: z.string().default('public'),
});
export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;

export const MigrationPlanSchema = z.object({
  planVersion: z.literal(1),
  profile: z.string(),
  source: z.object({ dialect: z.enum(['mysql', 'mariadb']), version: z.string(), database: z.string() }),
  target: z.object({ version: z.string(), database: z.string(), schema: z.string() }),
  tables: z.array(PlannedTableSchema),
  skipped: z.array(SkippedTableSchema),
  /**
   * Target table names of the `load` tables, parents before children (FK cycles broken, reported in issues).
   * The loader loads in this order; it departs from it only for foreign keys the live target added since.
   */
  loadOrder: z.array(z.string()),
  issues: z.array(PlanIssueSchema),
});
export type MigrationPlan = z.infer<typeof MigrationPlanSchema>;
