import type { Finding } from '@conv/core';
import pc from 'picocolors';
import { renderTable } from '../table.js';
import type { CheckReport } from './check.js';

export interface FormatOptions {
  /** ANSI colours (give `process.stdout.isTTY && !NO_COLOR`); off by default. */
  color?: boolean;
}

function keyOf(key: Record<string, string | null>): string {
  const parts = Object.entries(key).map(([k, v]) => `${k}=${v === null ? 'NULL' : v}`);
  return parts.length > 0 ? parts.join(',') : '(no key)';
}

function sampleText(sample: Finding['samples'][number]): string {
  return `${keyOf(sample.key)} → ${sample.value === null ? 'NULL' : JSON.stringify(sample.value)}`;
}

/** The check report for people: a summary line, a table of findings, then samples and fixes per finding. */
export function formatCheckReport(report: CheckReport, options: FormatOptions = {}): string {
  const c = pc.createColors(Boolean(options.color));
  const sev = (s: Finding['severity']) =>
    s === 'error' ? c.red(c.bold('ERROR')) : s === 'warning' ? c.yellow('WARN') : c.dim('INFO');
  const { errors, warnings, infos } = report.counts;
  const summary = report.ok
    ? c.green(`check passed: ${errors} errors, ${warnings} warnings, ${infos} infos`)
    : c.red(`check failed: ${errors} errors, ${warnings} warnings, ${infos} infos`);
  if (report.findings.length === 0) return `${summary}\nno findings: the data fits the target schema\n`;

  const lines = [summary, ''];
  lines.push(
    renderTable(
      ['#', 'severity', 'table', 'column', 'rows', 'code'],
      report.findings.map((f, i) => [
        String(i + 1),
        sev(f.severity),
        f.table,
        f.column ?? '',
        f.count === null ? '' : String(f.count),
        f.code,
      ]),
      { align: { rows: 'right', '#': 'right' } },
    ),
  );
  lines.push('');
  for (const [i, f] of report.findings.entries()) {
    lines.push(`${c.bold(`${i + 1}.`)} ${sev(f.severity)} ${f.message}`);
    for (const s of f.samples) lines.push(`     sample  ${sampleText(s)}`);
    if (f.fix) lines.push(`     ${c.cyan('fix')}     ${f.fix}`);
  }
  return `${lines.join('\n')}\n`;
}
