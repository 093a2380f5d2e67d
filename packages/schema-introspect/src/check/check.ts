import {
  type ColumnPair,
  ExitCode,
  type Finding,
  FindingSchema,
  type MigrationPlan,
  type SourceCatalog,
  type TargetCatalog,
} from '@conv/core';
import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { type MysqlSource, withMysql } from '../connect.js';
import { scanData } from './data-scan.js';
import { emptyTargetFinding } from './empty-target.js';
import { longNameFindings } from './identifiers.js';
import { schemaDiff } from './schema-diff.js';

/** The machine-readable result of `check` (`--json` prints it as is). */
export const CheckReportSchema = z.object({
  ok: z.boolean(),
  findings: z.array(FindingSchema),
  counts: z.object({
    errors: z.number().int().nonnegative(),
    warnings: z.number().int().nonnegative(),
    infos: z.number().int().nonnegative(),
  }),
});
export type CheckReport = z.infer<typeof CheckReportSchema>;

export interface CheckOptions {
  mysql: MysqlSource;
  plan: MigrationPlan;
  source: SourceCatalog;
  target: TargetCatalog;
  /** Sample rows per finding (default 5). */
  sampleSize?: number;
  /** Skip the data scan: schema diff only. */
  schemaOnly?: boolean;
  onTable?: (table: string) => void;
  /** A table's scan has ended (with `jobs` > 1 tables are scanned side by side). */
  onTableDone?: (table: string) => void;
  /**
   * MySQL connections scanning tables side by side (default 1; only when `mysql` is a URL: a given
   * connection is used alone).
   */
  jobs?: number;
  /** The export's SELECT expression of a column: transformed columns are scanned through it. */
  valueExpression?: (pair: ColumnPair, database: string) => string;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/**
 * Schema diff plus a scan of the source data for every value that would fail or change meaning in the
 * target. Nothing is written anywhere. `ok` is false when any finding is an error.
 */
export async function checkMigration(options: CheckOptions): Promise<CheckReport> {
  const sampleSize = Math.max(1, Math.floor(options.sampleSize ?? 5));
  const findings = [...emptyTargetFinding(options.plan), ...schemaDiff(options.plan, options.source)];
  findings.push(...longNameFindings(options.source, options.target, options.plan));
  if (!options.schemaOnly) {
    const jobs = typeof options.mysql === 'string' ? Math.max(1, Math.floor(options.jobs ?? 1)) : 1;
    const data = await withConnections(options.mysql, jobs, (conns) =>
      scanData(conns, options.plan, options.source, options.target, {
        sampleSize,
        ...(options.onTable ? { onTable: options.onTable } : {}),
        ...(options.onTableDone ? { onTableDone: options.onTableDone } : {}),
        ...(options.valueExpression ? { valueExpression: options.valueExpression } : {}),
      }),
    );
    findings.push(...data);
  }
  return reportOf(findings);
}

/** `n` sessions of `withMysql` (each closed, and a lost one reported, as withMysql does). */
function withConnections<T>(
  source: MysqlSource,
  n: number,
  body: (conns: mysql.Connection[]) => Promise<T>,
  opened: mysql.Connection[] = [],
): Promise<T> {
  if (opened.length >= n) return body(opened);
  return withMysql(source, (conn) => withConnections(source, n, body, [...opened, conn]));
}

/** Sorted findings (errors first) with their counts. */
export function reportOf(findings: Finding[]): CheckReport {
  const sorted = [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.table.localeCompare(b.table) ||
      (a.column ?? '').localeCompare(b.column ?? '') ||
      a.code.localeCompare(b.code),
  );
  const counts = {
    errors: sorted.filter((f) => f.severity === 'error').length,
    warnings: sorted.filter((f) => f.severity === 'warning').length,
    infos: sorted.filter((f) => f.severity === 'info').length,
  };
  return CheckReportSchema.parse({ ok: counts.errors === 0, findings: sorted, counts });
}

/** 0 when nothing would break the load, 3 (`ExitCode.checkFailed`) when a finding is an error. */
export function checkExitCode(report: CheckReport): 0 | 3 {
  return report.counts.errors > 0 ? ExitCode.checkFailed : ExitCode.ok;
}
