import type { Finding, MigrationPlan } from '@conv/core';

/**
 * An error when the source has tables but none of them exists in the target schema: an unmigrated (empty)
 * PostgreSQL database, or the wrong database or schema. Without it, check would pass with one warning
 * per table and `run` would export everything only to load nothing.
 */
export function emptyTargetFinding(plan: MigrationPlan): Finding[] {
  const expected = plan.tables.filter((t) => t.skipReason === null || t.skipReason === 'missing-in-target');
  if (expected.length === 0 || expected.some((t) => t.action === 'load')) return [];
  return [
    {
      severity: 'error',
      code: 'no-target-tables',
      table: plan.target.schema,
      column: null,
      message: `none of the ${expected.length} source tables exists in PostgreSQL ${plan.target.database}, schema ${plan.target.schema}: nothing would be loaded`,
      count: null,
      samples: [],
      fix: "run the application's migrations against the PostgreSQL database first, or point --pg-database / --pg-schema at the migrated one",
    },
  ];
}
