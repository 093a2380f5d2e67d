import {
  loadOrder,
  type MigrationPlan,
  MigrationPlanSchema,
  type PlanIssue,
  type PlannedTable,
  type Profile,
  type ProfileInput,
  type SkippedTable,
  type SkipReason,
  type SourceCatalog,
  type SourceTable,
  type TargetCatalog,
  type TargetTable,
} from '@conv/core';
import { type MatchedColumns, matchColumns, naturalColumns } from './column-match.js';
import { withLookupCollations } from './lookup-collations.js';
import { resolveProfile } from './profile.js';
import { matchTables } from './table-match.js';

/**
 * The migration plan from both catalogs: every source table is in `tables` (`load`, or `export-only` with
 * its reason); profile-excluded and not-included tables only in `skipped`; target tables without a source
 * in `skipped` too, each skip marked `expected` when the profile accounts for it. `loadOrder` is the order
 * the loader applies. Plain, serialisable data validated by MigrationPlanSchema: decided here, once.
 */
export function planMigration(
  source: SourceCatalog,
  target: TargetCatalog,
  profileInput?: ProfileInput,
): MigrationPlan {
  const profile = resolveProfile(profileInput);
  const issues: PlanIssue[] = [];
  const skipped: SkippedTable[] = [];
  const tables: PlannedTable[] = [];
  const targetSchema = target.schema || profile.targetSchema;
  const matchedTargets = new Set<string>();
  const matches = matchTables(source.tables, target.tables, profile.renames.tables);
  const transforms = withLookupCollations(profile.transforms, source);

  for (const src of source.tables) {
    const excluded = exclusionOf(src.name, profile);
    const { target: tgt, issue, folded } = matches.get(src.name) ?? {};
    if (tgt) matchedTargets.add(tgt.name);
    if (tgt && (folded === 'snake-case' || folded === 'renamed')) {
      issues.push({
        severity: 'info',
        code: folded === 'renamed' ? 'renamed' : 'name-folded',
        table: src.name,
        column: null,
        message:
          folded === 'renamed'
            ? `${src.name} is loaded into PostgreSQL table ${tgt.name} (renamed by the profile)`
            : `${src.name} is loaded into PostgreSQL table ${tgt.name} (names matched as snake_case; columns too where unambiguous)`,
        targetTable: tgt.name,
      });
    }
    if (excluded) {
      skipped.push({ table: src.name, side: 'source', ...excluded, expected: true });
      issues.push({
        severity: 'info',
        code: excluded.reason,
        table: src.name,
        column: null,
        message: excluded.detail,
      });
      continue;
    }
    if (issue) issues.push(issue);
    const kept = keptOutOfLoad(src.name, tgt, profile, target);
    if (kept) {
      const expected =
        kept.reason !== 'missing-in-target' || profile.expectedMissingInTarget.includes(src.name);
      skipped.push({
        table: src.name,
        side: kept.reason === 'missing-in-target' ? 'source' : 'both',
        ...kept,
        expected,
      });
      issues.push({
        severity: kept.reason === 'missing-in-target' && !expected ? 'warning' : 'info',
        code: kept.code ?? kept.reason,
        table: src.name,
        column: null,
        message: kept.detail,
      });
      const natural = naturalColumns(src, transforms);
      issues.push(...natural.issues);
      tables.push(planned(src, src.name, targetSchema, 'export-only', kept.reason, natural, issues));
      continue;
    }
    const matched = matchColumns(src, tgt!, transforms, profile.renames.columns);
    issues.push(...matched.issues);
    if (tgt!.partitioned) issues.push(partitionedIssue(src.name, tgt!, target));
    tables.push(planned(src, tgt!.name, targetSchema, 'load', null, matched, issues));
  }

  for (const key of [...Object.keys(profile.renames.tables), ...Object.keys(profile.renames.columns)]) {
    const table = key in profile.renames.tables ? key : key.slice(0, key.indexOf('.'));
    if (source.tables.some((t) => t.name === table)) continue;
    issues.push({
      severity: 'error',
      code: 'unknown-rename',
      table,
      column: null,
      message: `the profile renames ${key}, but MySQL ${source.database} has no table ${table}`,
    });
  }

  for (const t of target.tables) {
    if (matchedTargets.has(t.name)) continue;
    const kept = t.inherits
      ? ` (it inherits from ${t.inherits}: a load of ${t.inherits} empties ONLY ${t.inherits}, so these rows stay and reads of ${t.inherits} still return them)`
      : '';
    const detail = `${t.name} exists in PostgreSQL but not in MySQL ${source.database}: left as it is${kept}`;
    skipped.push({
      table: t.name,
      side: 'target',
      reason: 'missing-in-source',
      detail,
      expected: namedByProfile(t.name, profile),
    });
    issues.push({
      severity: 'warning',
      code: 'missing-in-source',
      table: t.name,
      column: null,
      message: detail,
    });
  }

  // Sorted: ties in the load order go by name, whatever the catalog's order.
  const loadTables = tables
    .filter((t) => t.action === 'load')
    .map((t) => t.target)
    .sort();
  const byName = new Map(target.tables.map((t) => [t.name, t]));
  const order = loadOrder(loadTables, (name) =>
    (byName.get(name)?.foreignKeys ?? [])
      .filter((fk) => fk.refSchema === target.schema)
      .map((fk) => fk.refTable),
  );
  for (const [child, parent] of order.brokenEdges) {
    issues.push({
      severity: 'warning',
      code: 'fk-cycle',
      table: child,
      column: null,
      message: `FK cycle: ${child} is loaded before its parent ${parent}; load with FK checks deferred (replica or drop-recreate)`,
    });
  }

  return MigrationPlanSchema.parse({
    planVersion: 1,
    profile: profile.name,
    source: { dialect: source.dialect, version: source.version, database: source.database },
    target: { version: target.version, database: target.database, schema: targetSchema },
    tables,
    skipped,
    loadOrder: order.order,
    issues,
  });
}

/** A table the profile names in one of its lists (a target table nothing feeds may be one of them). */
function namedByProfile(name: string, profile: Profile): boolean {
  return [profile.exclude, profile.historyTables, profile.cacheTables, profile.expectedMissingInTarget].some(
    (list) => list.includes(name),
  );
}

function exclusionOf(name: string, profile: Profile): { reason: SkipReason; detail: string } | null {
  if (profile.exclude.includes(name)) {
    return { reason: 'excluded-by-profile', detail: `${name} is excluded by profile ${profile.name}` };
  }
  if (profile.include.length > 0 && !profile.include.includes(name)) {
    return {
      reason: 'not-included',
      detail: `${name} is not in the include list of profile ${profile.name}`,
    };
  }
  return null;
}

/** What the load does to a partitioned target: routes rows to its partitions and empties them all first. */
function partitionedIssue(source: string, tgt: TargetTable, target: TargetCatalog): PlanIssue {
  const partitions = target.partitions.filter((p) => p.parent === tgt.name).map((p) => p.name);
  return {
    severity: 'info',
    code: 'partitioned-target',
    table: source,
    column: null,
    message: `${tgt.name} is partitioned in PostgreSQL (partitions ${partitions.join(', ') || 'none'}): the load empties every partition (TRUNCATE without ONLY) and each row goes to the partition its key selects`,
    targetTable: tgt.name,
  };
}

function keptOutOfLoad(
  name: string,
  tgt: TargetTable | undefined,
  profile: Profile,
  target: TargetCatalog,
): { reason: SkipReason; detail: string; code?: string } | null {
  if (!profile.includeHistory && profile.historyTables.includes(name)) {
    return {
      reason: 'migration-history',
      detail: `${name} is a migration-history table: exported, not loaded`,
    };
  }
  if (!profile.includeHistory && profile.cacheTables.includes(name)) {
    return { reason: 'cache', detail: `${name} is a cache table: exported, not loaded` };
  }
  const partition = tgt ? undefined : target.partitions.find((p) => p.name === name);
  if (partition) {
    return {
      reason: 'missing-in-target',
      code: 'target-is-partition',
      detail: `${name} is a partition of ${partition.parent} in PostgreSQL, not a table of its own: its rows load through ${partition.parent}; exported for the record, not loaded`,
    };
  }
  if (!tgt) {
    return {
      reason: 'missing-in-target',
      detail: `${name} has no table in PostgreSQL: exported for the record, not loaded`,
    };
  }
  return null;
}

function planned(
  src: SourceTable,
  target: string,
  targetSchema: string,
  action: PlannedTable['action'],
  skipReason: SkipReason | null,
  matched: MatchedColumns,
  issues: PlanIssue[],
): PlannedTable {
  const rowKey = rowKeyOf(src);
  if (rowKey.length === 0) {
    issues.push({
      severity: 'warning',
      code: 'no-row-key',
      table: src.name,
      column: null,
      message: `${src.name} has no primary key nor NOT NULL unique key: verify cannot name differing rows, the table is exported in one range`,
    });
  }
  return {
    action,
    skipReason,
    source: src.name,
    target,
    targetSchema,
    primaryKey: src.primaryKey,
    rowKey,
    columns: matched.columns,
    omitted: matched.omitted,
    approxRows: src.approxRows,
    approxBytes: src.dataBytes,
  };
}

/** PK, else the first unique key whose columns are all NOT NULL (a nullable unique key does not name rows). */
export function rowKeyOf(table: SourceTable): string[] {
  if (table.primaryKey.length > 0) return table.primaryKey;
  const notNull = new Set(table.columns.filter((c) => !c.nullable).map((c) => c.name));
  return table.uniqueKeys.find((k) => k.columns.every((c) => notNull.has(c)))?.columns ?? [];
}
