// The run report an operator attaches to the change ticket: one self-contained HTML page (inline CSS and
// SVG, no script, nothing fetched) and its Markdown twin, written next to the export. It never holds a
// password (servers are host:port) nor row values (check findings without their samples).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Finding, formatDuration, formatRate, MB } from '@conv/core';
import type { SkippedReport } from './steps.js';

/** One table in one step, as the progress reporter saw it (ms since the run started). */
export interface TimelineEntry {
  step: string;
  table: string;
  start: number;
  end: number;
  rows: number;
  bytes: number;
}

export interface StepSummary {
  step: string;
  ms: number;
  tables?: number;
  rows?: number;
  bytes?: number;
}

export interface ReportData {
  runId: string;
  app: string;
  status: string;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  convVersion: string;
  mysql: { server: string; database: string };
  pg: { server: string; database: string; schema: string };
  steps: StepSummary[];
  findings: Finding[];
  checkCounts: { errors: number; warnings: number; infos: number } | null;
  skipped: SkippedReport[];
  timeline: TimelineEntry[];
  verify: {
    mode: string;
    tables: {
      table: string;
      sourceRows: number;
      targetRows: number;
      countMatch: boolean;
      checksumMatch: boolean | null;
      ms: number;
    }[];
  } | null;
  artifacts: { label: string; path: string }[];
  error: { message: string; hint: string | null } | null;
}

export interface ReportFiles {
  html: string;
  markdown: string;
}

const STEP_COLORS: Record<string, string> = {
  export: '#4e79a7',
  import: '#f28e2b',
  migrate: '#b07aa1',
  verify: '#59a14f',
};

/** The steps the timeline shows (plan, check and validate items are not tables being moved). */
function moved(entries: TimelineEntry[]): TimelineEntry[] {
  return entries.filter((e) => e.step in STEP_COLORS);
}

function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function mb(bytes: number | undefined): string {
  return bytes === undefined ? '' : `${(bytes / MB).toFixed(1)} MB`;
}

function rate(bytes: number | undefined, ms: number): string {
  return bytes && ms > 0 ? formatRate(bytes, ms) : '';
}

function verdict(t: { countMatch: boolean; checksumMatch: boolean | null }): string {
  if (!t.countMatch) return 'COUNT DIFFERS';
  if (t.checksumMatch === false) return 'CONTENT DIFFERS';
  return t.checksumMatch === null ? 'count ok' : 'ok';
}

/**
 * The per-table timeline as an SVG Gantt chart: one row per table, one lane per step within it — steps
 * overlap in time (verify runs while the load does), so bars on one line would hide each other.
 */
export function timelineSvg(all: TimelineEntry[]): string {
  const entries = moved(all);
  if (entries.length === 0) return '<p>No per-table timing was recorded.</p>';
  const tables = [...new Set(entries.map((e) => e.table))];
  const steps = Object.keys(STEP_COLORS).filter((step) => entries.some((e) => e.step === step));
  const t0 = Math.min(...entries.map((e) => e.start));
  const t1 = Math.max(...entries.map((e) => e.end), t0 + 1);
  const label = 190;
  const width = 760;
  const lane = 6;
  const row = Math.max(14, steps.length * lane + 4);
  const top = 24;
  const height = top + tables.length * row + 8;
  const x = (t: number) => label + ((t - t0) / (t1 - t0)) * width;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${height}" stroke="#ddd"/>`,
      `<text x="${x(t).toFixed(1)}" y="${top - 8}" font-size="10" text-anchor="middle" fill="#555">${esc(formatDuration(t - t0))}</text>`,
    );
  }
  tables.forEach((table, i) => {
    const y = top + i * row;
    parts.push(
      `<text x="${label - 6}" y="${y + row / 2 + 3}" font-size="10" text-anchor="end" fill="#222">${esc(table.length > 30 ? `${table.slice(0, 29)}…` : table)}</text>`,
    );
    for (const e of entries.filter((en) => en.table === table)) {
      const w = Math.max(1.5, x(e.end) - x(e.start));
      const k = Math.max(0, steps.indexOf(e.step));
      parts.push(
        `<rect x="${x(e.start).toFixed(1)}" y="${y + 2 + k * lane}" width="${w.toFixed(1)}" height="${lane - 1}" fill="${STEP_COLORS[e.step] ?? '#999'}"><title>${esc(`${e.step} ${table}: ${e.rows} rows, ${mb(e.bytes)}, ${formatDuration(e.end - e.start)}`)}</title></rect>`,
      );
    }
  });
  const legend = Object.entries(STEP_COLORS)
    .filter(([step]) => entries.some((e) => e.step === step))
    .map(([step, color]) => `<span class="key"><i style="background:${color}"></i>${esc(step)}</span>`)
    .join(' ');
  return `<div class="legend">${legend}</div><svg xmlns="http://www.w3.org/2000/svg" width="${label + width + 20}" height="${height}" role="img" aria-label="per-table timeline">${parts.join('')}</svg>`;
}

/** The head and rows of one of the report's tables: built once, rendered as HTML and as Markdown. */
interface Grid {
  head: string[];
  rows: string[][];
}

const serversGrid = (d: ReportData): Grid => ({
  head: ['side', 'server', 'database'],
  rows: [
    ['MySQL / MariaDB (source)', d.mysql.server, d.mysql.database],
    ['PostgreSQL (target)', d.pg.server, `${d.pg.database} (schema ${d.pg.schema})`],
  ],
});

const stepsGrid = (d: ReportData): Grid => ({
  head: ['step', 'time', 'tables', 'rows', 'data', 'throughput'],
  rows: d.steps.map((s) => [
    s.step,
    formatDuration(s.ms),
    s.tables === undefined ? '' : String(s.tables),
    s.rows === undefined ? '' : String(s.rows),
    mb(s.bytes),
    rate(s.bytes, s.ms),
  ]),
});

const findingsGrid = (d: ReportData): Grid => ({
  head: ['severity', 'where', 'rows', 'finding', 'fix'],
  rows: d.findings.map((f) => [
    f.severity,
    `${f.table}${f.column ? `.${f.column}` : ''}`,
    f.count === null ? '' : String(f.count),
    f.message,
    f.fix ?? '',
  ]),
});

const verifyGrid = (d: ReportData): Grid => ({
  head: ['table', 'rows source', 'rows target', 'result', 'time'],
  rows: (d.verify?.tables ?? []).map((t) => [
    t.table,
    String(t.sourceRows),
    String(t.targetRows),
    verdict(t),
    formatDuration(t.ms),
  ]),
});

const skippedGrid = (d: ReportData): Grid => ({
  head: ['table', 'side', 'reason', 'expected', 'detail'],
  rows: d.skipped.map((s) => [s.table, s.side, s.reason, s.expected ? 'yes' : 'NO', s.detail]),
});

const artifactsGrid = (d: ReportData): Grid => ({
  head: ['what', 'path'],
  rows: d.artifacts.map((a) => [a.label, a.path]),
});

function table(grid: Grid, cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${grid.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${grid.rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.status{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
.ok{background:#2e7d32}.bad{background:#c62828}table{border-collapse:collapse;margin:6px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}th{background:#f4f4f4}
td:nth-child(n+2){font-variant-numeric:tabular-nums}.legend{margin:4px 0}.key{margin-right:14px}
.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
code{background:#f4f4f4;padding:1px 4px;border-radius:3px}.muted{color:#666}`;

export function renderHtml(d: ReportData): string {
  const ok = d.exitCode === 0;
  const verifyRows = d.verify?.tables ?? [];
  const differing = verifyRows.filter((t) => verdict(t) !== 'ok' && verdict(t) !== 'count ok');
  const sections = [
    `<h1>${esc(d.app)} migration run <code>${esc(d.runId)}</code></h1>`,
    `<p><span class="status ${ok ? 'ok' : 'bad'}">${esc(d.status)} (exit ${d.exitCode})</span> <span class="muted">${esc(d.startedAt)} → ${esc(d.finishedAt)} · conv ${esc(d.convVersion)}</span></p>`,
    d.error
      ? `<p><b>Stopped:</b> ${esc(d.error.message)}${d.error.hint ? `<br><b>Fix:</b> ${esc(d.error.hint)}` : ''}</p>`
      : '',
    '<h2>Servers</h2>',
    table(serversGrid(d)),
    '<h2>Steps and throughput</h2>',
    table(stepsGrid(d)),
    '<h2>Per-table timeline</h2>',
    timelineSvg(d.timeline),
    '<h2>Check findings</h2>',
    d.checkCounts
      ? `<p>${d.checkCounts.errors} errors, ${d.checkCounts.warnings} warnings, ${d.checkCounts.infos} notes (sample rows are left out of this report: <code>${esc(d.app)} check</code> shows them).</p>`
      : '<p>Check did not run.</p>',
    d.findings.length > 0 ? table(findingsGrid(d)) : '',
    '<h2>Verification</h2>',
    d.verify
      ? `<p>${esc(d.verify.mode)} verification of ${verifyRows.length} tables: ${differing.length === 0 ? 'everything matches' : `${differing.length} differ (${esc(differing.map((t) => t.table).join(', '))})`}.</p>${table(verifyGrid(d))}`
      : '<p>Verify did not run.</p>',
    '<h2>Skipped tables</h2>',
    d.skipped.length > 0 ? table(skippedGrid(d)) : '<p>None.</p>',
    '<h2>Artifacts</h2>',
    table(artifactsGrid(d)),
  ];
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(`${d.app} run ${d.runId}: ${d.status}`)}</title><style>${CSS}</style></head><body>\n${sections.filter(Boolean).join('\n')}\n</body></html>\n`;
}

function mdTable({ head, rows }: Grid): string {
  const cell = (c: string) => c.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function renderMarkdown(d: ReportData): string {
  const lines = [
    `# ${d.app} migration run \`${d.runId}\``,
    '',
    `**${d.status} (exit ${d.exitCode})** — ${d.startedAt} → ${d.finishedAt} · conv ${d.convVersion}`,
    ...(d.error ? ['', `Stopped: ${d.error.message}${d.error.hint ? ` — fix: ${d.error.hint}` : ''}`] : []),
    '',
    '## Servers',
    '',
    mdTable(serversGrid(d)),
    '',
    '## Steps and throughput',
    '',
    mdTable(stepsGrid(d)),
    '',
    '## Per-table timeline (ms from the start of the run)',
    '',
    moved(d.timeline).length > 0
      ? mdTable({
          head: ['table', 'step', 'start', 'end', 'rows', 'data'],
          rows: moved(d.timeline).map((e) => [
            e.table,
            e.step,
            String(e.start),
            String(e.end),
            String(e.rows),
            mb(e.bytes),
          ]),
        })
      : 'No per-table timing was recorded.',
    '',
    '## Check findings',
    '',
    d.checkCounts
      ? `${d.checkCounts.errors} errors, ${d.checkCounts.warnings} warnings, ${d.checkCounts.infos} notes (sample rows left out: \`${d.app} check\` shows them).`
      : 'Check did not run.',
    ...(d.findings.length > 0 ? ['', mdTable(findingsGrid(d))] : []),
    '',
    '## Verification',
    '',
    d.verify ? mdTable(verifyGrid(d)) : 'Verify did not run.',
    '',
    '## Skipped tables',
    '',
    d.skipped.length > 0 ? mdTable(skippedGrid(d)) : 'None.',
    '',
    '## Artifacts',
    '',
    mdTable(artifactsGrid(d)),
    '',
  ];
  return lines.join('\n');
}

/** Writes `run_report_<runId>.html` and `.md` into `dir` (the export directory when there is one). */
/**
 * An error message without the row values it may quote: PostgreSQL's DETAIL of a rejected row
 * (`(Failing row contains (…))`, `(Key (id)=(5) already exists.)`, as copyError appends it before the
 * SQLSTATE) and a check sample's key (`(key {…})`). The terminal and the audit log keep them.
 */
export function withoutRowValues(message: string): string {
  return message
    .replace(
      / \((?:Failing row contains|Key \().*\) \[SQLSTATE/s,
      ' (row values left out of this report) [SQLSTATE',
    )
    .replace(/ \(key \{.*?\}\)/g, ' (key left out of this report)');
}

export async function writeRunReport(dir: string, data: ReportData): Promise<ReportFiles> {
  const base = join(dir, `run_report_${data.runId}`);
  const files = { html: `${base}.html`, markdown: `${base}.md` };
  const withSelf: ReportData = {
    ...data,
    error: data.error ? { ...data.error, message: withoutRowValues(data.error.message) } : null,
    artifacts: [
      ...data.artifacts,
      { label: 'this report', path: files.html },
      { label: 'Markdown twin', path: files.markdown },
    ],
  };
  await writeFile(files.html, renderHtml(withSelf));
  await writeFile(files.markdown, renderMarkdown(withSelf));
  return files;
}
