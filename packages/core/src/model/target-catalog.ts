import { z } from 'zod';
import { ForeignKeySchema } from './source-catalog.js';

/** One column as the PostgreSQL catalog describes it (pg_attribute + pg_type, domains resolved). */
export const TargetColumnSchema = z.object({
  name: z.string(),
  ordinal: z.number().int(),
  /** format_type() of the column: `character varying(255)`, `uuid`, `timestamp(6) without time zone` … */
  formattedType: z.string(),
  /** Base type name after resolving domains and arrays: `varchar`, `bpchar`, `uuid`, `int4`, `jsonb`, enum type name … */
  baseType: z.string(),
  typeCategory: z.enum([
    'string',
    'numeric',
    'boolean',
    'datetime',
    'binary',
    'json',
    'uuid',
    'enum',
    'array',
    'other',
  ]),
  isArray: z.boolean(),
  /** Element base type when `isArray`. */
  elementType: z.string().nullable(),
  domain: z.string().nullable(),
  enumLabels: z.array(z.string()).nullable(),
  charMaxLength: z.number().int().nullable(),
  numericPrecision: z.number().int().nullable(),
  numericScale: z.number().int().nullable(),
  datetimePrecision: z.number().int().nullable(),
  nullable: z.boolean(),
  default: z.string().nullable(),
  identity: z.enum(['always', 'by default']).nullable(),
  generated: z.boolean(),
  /**
   * The column's sequence, schema-qualified and quoted for SQL: owned (serial, identity) or called by its
   * default (`nextval('free_seq')`), the one the load restarts.
   */
  sequence: z.string().nullable(),
});
export type TargetColumn = z.infer<typeof TargetColumnSchema>;

export const TargetForeignKeySchema = ForeignKeySchema.extend({
  refSchema: z.string(),
  /** pg_get_constraintdef(): enough to re-create the constraint. */
  definition: z.string(),
  validated: z.boolean(),
});
export type TargetForeignKey = z.infer<typeof TargetForeignKeySchema>;

export const TargetTriggerSchema = z.object({
  name: z.string(),
  enabled: z.boolean(),
  /** Internal triggers implement FK constraints. */
  internal: z.boolean(),
});

export const TargetTableSchema = z.object({
  schema: z.string(),
  name: z.string(),
  columns: z.array(TargetColumnSchema),
  primaryKey: z.array(z.string()),
  uniqueKeys: z.array(z.object({ name: z.string(), columns: z.array(z.string()) })),
  foreignKeys: z.array(TargetForeignKeySchema),
  triggers: z.array(TargetTriggerSchema),
  owner: z.string(),
  approxRows: z.number().int(),
  /** Declaratively partitioned: rows are routed to its partitions, and the load empties them all. */
  partitioned: z.boolean().default(false),
  /** A partitioned table's key, as PostgreSQL prints it: `RANGE (id)`, `LIST (region)`, `HASH (id)`. */
  partitionKey: z.string().nullable().default(null),
  /** The table it inherits from (INHERITS): emptying ONLY that parent keeps this table's rows. */
  inherits: z.string().nullable().default(null),
});
export type TargetTable = z.infer<typeof TargetTableSchema>;

export const TargetCatalogSchema = z.object({
  version: z.string(),
  database: z.string(),
  schema: z.string(),
  tables: z.array(TargetTableSchema),
  /** Partitions, kept out of `tables`: their rows are their parent's, which is what a source table matches. */
  partitions: z
    .array(
      z.object({
        name: z.string(),
        parent: z.string(),
        /** Its bound as PostgreSQL prints it: `FOR VALUES FROM (0) TO (100)`, `FOR VALUES IN (1, 2)`, `DEFAULT`. */
        bound: z.string().nullable().default(null),
        /** Itself partitioned (rows are routed further down). */
        partitioned: z.boolean().default(false),
      }),
    )
    .default([]),
});
export type TargetCatalog = z.infer<typeof TargetCatalogSchema>;
