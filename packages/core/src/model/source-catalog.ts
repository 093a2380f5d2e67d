import { z } from 'zod';

/** One column as the MySQL/MariaDB catalog describes it (information_schema.COLUMNS + CHECK constraints). */
export const SourceColumnSchema = z.object({
  name: z.string(),
  ordinal: z.number().int(),
  /** information_schema DATA_TYPE, lower case: `char`, `int`, `longtext`, `json`, `uuid` (MariaDB) … */
  dataType: z.string(),
  /** information_schema COLUMN_TYPE, lower case: `char(36)`, `int(11) unsigned`, `enum('a','b')` … */
  columnType: z.string(),
  nullable: z.boolean(),
  /** COLUMN_DEFAULT as the server reports it (MariaDB quotes string literals, MySQL 8 does not). */
  default: z.string().nullable(),
  generated: z.boolean(),
  generationExpression: z.string().nullable(),
  autoIncrement: z.boolean(),
  unsigned: z.boolean(),
  charMaxLength: z.number().int().nullable(),
  numericPrecision: z.number().int().nullable(),
  numericScale: z.number().int().nullable(),
  datetimePrecision: z.number().int().nullable(),
  charset: z.string().nullable(),
  collation: z.string().nullable(),
  /** Labels of an `enum` or `set` column, in declaration order. */
  enumValues: z.array(z.string()).nullable(),
  /** True for MySQL `json` and for MariaDB `longtext` guarded by a `json_valid()` CHECK. */
  isJson: z.boolean(),
});
export type SourceColumn = z.infer<typeof SourceColumnSchema>;

export const KeySchema = z.object({ name: z.string(), columns: z.array(z.string()) });
export type Key = z.infer<typeof KeySchema>;

/** What every foreign key is, on either side: the one shape the source, target and live keys extend. */
export const ForeignKeySchema = z.object({
  name: z.string(),
  columns: z.array(z.string()),
  refTable: z.string(),
  refColumns: z.array(z.string()),
});
export type ForeignKey = z.infer<typeof ForeignKeySchema>;

export const SourceForeignKeySchema = ForeignKeySchema.extend({
  onDelete: z.string(),
  onUpdate: z.string(),
});
export type SourceForeignKey = z.infer<typeof SourceForeignKeySchema>;

export const SourceTableSchema = z.object({
  name: z.string(),
  columns: z.array(SourceColumnSchema),
  primaryKey: z.array(z.string()),
  uniqueKeys: z.array(KeySchema),
  foreignKeys: z.array(SourceForeignKeySchema),
  /** information_schema.TABLES.TABLE_ROWS: an estimate for InnoDB. */
  approxRows: z.number().int().nonnegative(),
  dataBytes: z.number().int().nonnegative(),
  indexBytes: z.number().int().nonnegative(),
});
export type SourceTable = z.infer<typeof SourceTableSchema>;

export const SourceCatalogSchema = z.object({
  dialect: z.enum(['mysql', 'mariadb']),
  version: z.string(),
  database: z.string(),
  tables: z.array(SourceTableSchema),
});
export type SourceCatalog = z.infer<typeof SourceCatalogSchema>;
