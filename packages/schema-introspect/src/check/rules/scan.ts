import type { ColumnPair, Finding, SourceColumn, TargetColumn } from '@conv/core';
import type { SourceKind } from '../../conversions.js';

/** One kind of dirty value in one column, as a SQL condition evaluated on the source rows. */
export interface ScanRule {
  code: string;
  severity: Finding['severity'];
  column: string;
  /** MySQL boolean expression over the row; `?` placeholders filled from `params` (unused with `from`). */
  condition: string;
  params: string[];
  /** Expression of the offending value shown in samples. */
  value: string;
  /**
   * Counted by its own `SELECT COUNT(*)` instead of a SUM(CASE) in the shared pass: a join or subquery
   * runs row by row inside SUM(CASE) (measured 3x slower), and each such count can run on its own connection.
   */
  standalone?: boolean;
  /** With `standalone`: the `FROM … WHERE …` (the table's rows as `c`) its count and samples read. */
  from?: string;
  /** Extra aggregate reported with the count (e.g. the longest length). */
  measure?: string;
  message(count: number, measure: string | null): string;
  fix(measure: string | null): string | null;
}

/** A rule of one column as a family returns it: the orchestrator names the column. */
export type ColumnRule = Omit<ScanRule, 'column'>;

export interface RuleContext {
  /** Quoted, database-qualified source table. */
  table: string;
  tableName: string;
  targetTable: string;
  targetSchema: string;
}

/** One planned column as every rule family sees it: both sides and the SQL pieces built once. */
export interface ColumnScan {
  pair: ColumnPair;
  column: SourceColumn;
  target: TargetColumn;
  ctx: RuleContext;
  /** The expression scanned: the quoted column, or a profile transform's expression. */
  q: string;
  kind: SourceKind;
  /** `table.column` of the source, for messages. */
  where: string;
  /** Quoted, schema-qualified target table, for ALTER TABLE fixes. */
  pgCol: string;
  /** The offending value as sampled. */
  shown: string;
  /** An UPDATE of the source rows matching `cond`, setting the scanned column to `set`. */
  update(set: string, cond: string, params?: string[]): string;
}
