import type { MigrationPlan } from '@conv/core';
import pc from 'picocolors';
import type { FormatOptions } from './check/report.js';
import { renderTable } from './table.js';

/** The plan for people: one line per source table, the load order, then the issues that need a look. */
export function formatPlan(plan: MigrationPlan, options: FormatOptions = {}): string {
  const c = pc.createColors(Boolean(options.color));
  const load = plan.tables.filter((t) => t.action === 'load');
  const exportOnly = plan.tables.filter((t) => t.action === 'export-only');
  const onlySkipped = plan.skipped.filter((s) => !plan.tables.some((t) => t.source === s.table));
  const lines = [
    c.bold(
      `plan (profile ${plan.profile}): ${plan.source.dialect} ${plan.source.version} ${plan.source.database} → ` +
        `PostgreSQL ${plan.target.version} ${plan.target.database}.${plan.target.schema}`,
    ),
    `${load.length} tables to load, ${exportOnly.length} export-only, ${onlySkipped.length} skipped`,
    '',
  ];
  const rows = plan.tables.map((t) => {
    const special = t.columns
      .filter((p) => p.conversion !== 'text' && p.conversion !== 'integer')
      .map((p) => `${p.source}:${p.conversion}`);
    return [
      t.source,
      t.action === 'load' ? c.green('load') : c.yellow(`export-only (${t.skipReason})`),
      t.target === t.source ? '' : t.target,
      String(t.approxRows),
      String(t.columns.length),
      t.omitted.length > 0 ? String(t.omitted.length) : '',
      t.rowKey.join(',') || c.red('none'),
      special.length > 6 ? `${special.slice(0, 6).join(' ')} …+${special.length - 6}` : special.join(' '),
    ];
  });
  lines.push(
    renderTable(['table', 'action', 'target', '~rows', 'cols', 'omitted', 'row key', 'conversions'], rows, {
      align: { '~rows': 'right', cols: 'right', omitted: 'right' },
    }),
  );
  if (onlySkipped.length > 0) {
    lines.push('', c.bold('skipped'));
    for (const s of onlySkipped) lines.push(`  ${s.table} (${s.side}): ${s.reason} — ${s.detail}`);
  }
  lines.push('', c.bold('load order'), `  ${plan.loadOrder.join(' → ') || '(nothing to load)'}`);
  const notable = plan.issues.filter((i) => i.severity !== 'info');
  const infos = plan.issues.length - notable.length;
  lines.push('', c.bold(`issues: ${notable.length}${infos ? ` (+${infos} info)` : ''}`));
  for (const i of notable) {
    const tag = i.severity === 'error' ? c.red('ERROR') : c.yellow('WARN ');
    lines.push(`  ${tag} ${i.message}`);
  }
  return `${lines.join('\n')}\n`;
}
