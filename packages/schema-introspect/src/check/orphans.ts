import type { MigrationPlan, PlannedTable, TargetCatalog } from '@conv/core';
import { quoteMysqlIdent } from '@conv/core';
import type { ScanRule } from './rules.js';

export interface OrphanCheck {
  table: PlannedTable;
  fkName: string;
  parent: PlannedTable;
  /** Source column names, child side and parent side, in FK order. */
  childColumns: string[];
  parentColumns: string[];
  /** SQL fragment: rows of `c` whose parent row does not exist. */
  condition: string;
  /** Child FK columns all nullable in the target: the fix can clear them instead of deleting rows. */
  nullable: boolean;
}

/**
 * One check per target foreign key whose child and parent are both loaded: child rows with every FK column
 * set (MATCH SIMPLE, as PostgreSQL checks) and no parent row. A uuid-bound '' becomes NULL, so it is no reference.
 * FKs over transformed columns are skipped: the exported value is not the column's.
 */
export function orphanChecks(plan: MigrationPlan, target: TargetCatalog, db: string): OrphanCheck[] {
  const loaded = plan.tables.filter((t) => t.action === 'load');
  const byTarget = new Map(loaded.map((t) => [t.target, t]));
  const checks: OrphanCheck[] = [];
  for (const table of loaded) {
    const tgt = target.tables.find((t) => t.name === table.target);
    if (!tgt) continue;
    for (const fk of tgt.foreignKeys) {
      const parent = fk.refSchema === target.schema ? byTarget.get(fk.refTable) : undefined;
      if (!parent) continue;
      const childPairs = fk.columns.map((c) => table.columns.find((p) => p.target === c));
      const parentPairs = fk.refColumns.map((c) => parent.columns.find((p) => p.target === c));
      if (childPairs.some((p) => !p || p.transform) || parentPairs.some((p) => !p || p.transform)) continue;
      const childColumns = childPairs.map((p) => p!.source);
      const parentColumns = parentPairs.map((p) => p!.source);
      const set = childPairs.map((p) => {
        const col = `c.${quoteMysqlIdent(p!.source)}`;
        return p!.conversion === 'uuid' ? `${col} IS NOT NULL AND ${col} <> ''` : `${col} IS NOT NULL`;
      });
      const join = childColumns
        .map((c, i) => `p.${quoteMysqlIdent(parentColumns[i]!)} = c.${quoteMysqlIdent(c)}`)
        .join(' AND ');
      const parentTable = `${quoteMysqlIdent(db)}.${quoteMysqlIdent(parent.source)}`;
      checks.push({
        table,
        fkName: fk.name,
        parent,
        childColumns,
        parentColumns,
        condition: `${set.join(' AND ')} AND NOT EXISTS (SELECT 1 FROM ${parentTable} p WHERE ${join})`,
        nullable: childPairs.every((p) => p!.targetNullable),
      });
    }
  }
  return checks;
}

/** The check as a scan rule of the child table (alias `c`), counted by its own anti-join query. */
export function orphanRule(check: OrphanCheck, db: string): ScanRule {
  const child = `${quoteMysqlIdent(db)}.${quoteMysqlIdent(check.table.source)}`;
  const cols = check.childColumns.join(', ');
  const fix = check.nullable
    ? `UPDATE ${child} c SET ${check.childColumns.map((col) => `c.${quoteMysqlIdent(col)} = NULL`).join(', ')} WHERE ${check.condition}`
    : `DELETE c FROM ${child} c WHERE ${check.condition}`;
  return {
    code: 'orphan-rows',
    severity: 'error',
    standalone: true,
    column: cols,
    condition: check.condition,
    params: [],
    value: `CONCAT_WS(', ', ${check.childColumns.map((c) => `c.${quoteMysqlIdent(c)}`).join(', ')})`,
    message: (count) =>
      `${count} row(s) of ${check.table.source} reference ${check.parent.source}(${check.parentColumns.join(', ')}) ` +
      `through (${cols}) but no such row exists: FK ${check.fkName} would reject them`,
    fix: () => fix,
  };
}
