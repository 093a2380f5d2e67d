import type { Finding, MigrationPlan, PlanIssue, SourceCatalog } from '@conv/core';
import { CONVERSION_TRAITS, pgLiteral, quotePgIdent } from '@conv/core';
import { fits, mysqlIntRange, PG_INT_RANGES } from './ranges.js';

/**
 * Fix suggestions for the plan's own issues. SQL run in PostgreSQL names the target table and column
 * (`issue.table`/`issue.column` are MySQL names for source-side issues), SQL run in MySQL the source ones.
 */
function fixFor(issue: PlanIssue, plan: MigrationPlan): string | null {
  const schema = quotePgIdent(plan.target.schema);
  const planned = plan.tables.find((p) => p.source === issue.table && p.action === 'load');
  const t = `${schema}.${quotePgIdent(issue.targetTable ?? planned?.target ?? issue.table)}`;
  const col = quotePgIdent(issue.targetColumn ?? issue.column ?? '');
  switch (issue.code) {
    case 'missing-in-target':
      return `create ${issue.table} in PostgreSQL, or list it in the profile's expectedMissingInTarget (exported only)`;
    case 'target-is-partition':
      return `load its rows through the partitioned parent (a profile rename of ${issue.table} to it, when MySQL has no table of that name), or list ${issue.table} in the profile's expectedMissingInTarget`;
    case 'missing-in-source':
      return null;
    case 'column-missing-in-target':
      return `ALTER TABLE ${t} ADD COLUMN ${col} <type> -- in PostgreSQL, if the values matter`;
    case 'column-missing-in-source':
      return `ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT <value> -- in PostgreSQL`;
    case 'nullable-to-not-null':
      return `the data scan counts the actual NULLs; if there are any: ALTER TABLE ${t} ALTER COLUMN ${col} DROP NOT NULL`;
    case 'no-conversion':
      return `ALTER TABLE ${t} ALTER COLUMN ${col} TYPE <compatible type>, or a profile transform "${issue.table}.${issue.column}"`;
    case 'unknown-rename':
      return "correct the profile's renames: each maps a MySQL name to an existing PostgreSQL name";
    case 'fk-cycle':
      return 'load with --fk-strategy replica or drop-recreate';
    case 'no-row-key':
      return 'add a primary key in MySQL to let verify name differing rows';
    default:
      return null;
  }
}

/**
 * The schema diff: the plan's issues (missing tables and columns, type pairs without a conversion,
 * nullable → NOT NULL, FK cycles, tables without a row key) plus the type risks found per column pair:
 * a shorter varchar, enum labels the target lacks, integer ranges the target cannot hold.
 */
export function schemaDiff(plan: MigrationPlan, source: SourceCatalog): Finding[] {
  const findings: Finding[] = plan.issues.map((issue) => ({
    severity: issue.severity,
    code: issue.code,
    table: issue.table,
    column: issue.column,
    message: issue.message,
    count: null,
    samples: [],
    fix: fixFor(issue, plan),
  }));
  const schema = quotePgIdent(plan.target.schema);
  for (const table of plan.tables) {
    if (table.action !== 'load') continue;
    const src = source.tables.find((t) => t.name === table.source);
    const pgTable = `${schema}.${quotePgIdent(table.target)}`;
    for (const pair of table.columns) {
      const column = src?.columns.find((c) => c.name === pair.source);
      if (!column || pair.transform) continue;
      const add = (severity: Finding['severity'], code: string, message: string, fix: string | null) =>
        findings.push({
          severity,
          code,
          table: table.source,
          column: pair.source,
          message,
          count: null,
          samples: [],
          fix,
        });

      if (
        CONVERSION_TRAITS[pair.conversion].lengthBound &&
        pair.targetMaxLength !== null &&
        column.charMaxLength !== null &&
        column.charMaxLength > pair.targetMaxLength
      ) {
        add(
          'warning',
          'length-shrink',
          `${table.source}.${pair.source} ${column.columnType} → ${pair.targetType}: longer values would be rejected (the data scan counts them)`,
          `ALTER TABLE ${pgTable} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE varchar(${column.charMaxLength}) -- in PostgreSQL`,
        );
      }
      if (pair.conversion === 'enum' && pair.targetEnumLabels && column.enumValues) {
        const missing = column.enumValues.filter((l) => !pair.targetEnumLabels!.includes(l));
        if (missing.length > 0) {
          add(
            'warning',
            'enum-labels-missing',
            `${table.source}.${pair.source}: label(s) ${missing.map((l) => JSON.stringify(l)).join(', ')} missing in ${pair.targetType}`,
            missing
              .map((l) => `ALTER TYPE ${quotePgIdent(pair.targetBaseType)} ADD VALUE ${pgLiteral(l)};`)
              .join(' '),
          );
        }
      }
      const targetRange = PG_INT_RANGES[pair.targetBaseType];
      const sourceRange = mysqlIntRange(column.dataType, column.unsigned);
      if (targetRange && sourceRange && !fits(sourceRange, targetRange)) {
        add(
          'warning',
          column.unsigned ? 'unsigned-overflow-risk' : 'integer-narrowing',
          `${table.source}.${pair.source} ${column.columnType} → ${pair.targetType}: values up to ${sourceRange.max} do not fit (the data scan counts them)`,
          `ALTER TABLE ${pgTable} ALTER COLUMN ${quotePgIdent(pair.target)} TYPE ${pair.targetBaseType === 'int8' ? 'numeric(20,0)' : 'bigint'} -- in PostgreSQL`,
        );
      }
    }
  }
  return findings;
}
