// `show <dir>`: what an export directory holds, read from its manifest (the old scripts' "verify exports"
// step, without dumping the ~470 KB manifest with its embedded plan). Reads; checks no file contents.
// The manifest itself is read by @conv/pg-loader's readManifest (one reader, one error code).
import { type Manifest, MB } from '@conv/core';

/** The short summary: where it came from, totals, skipped tables, one line per table. */
export function formatShow(dir: string, m: Manifest): string {
  const snap = m.source.snapshot;
  const skipped = m.plan.tables.filter((t) => t.action !== 'load').map((t) => t.source);
  const width = Math.max(5, ...m.tables.map((t) => t.table.length));
  return [
    `Export ${dir}`,
    `  app ${m.app} · conv ${m.tool.version} · ${m.source.dialect} ${m.source.version} at ${m.source.server}, database ${m.source.database}`,
    `  written ${m.startedAt} → ${m.finishedAt}; snapshot ${snap.consistent ? 'consistent' : 'NOT consistent'} over ${snap.connections} connection(s)${snap.binlogFile ? `, binlog ${snap.binlogFile}:${snap.binlogPosition}` : ''}`,
    `  ${m.totals.tables} tables, ${m.totals.rows} rows, ${(m.totals.bytes / MB).toFixed(1)} MB (row counts from the snapshot; \`wc -l\` differs: values keep their line breaks)`,
    ...(skipped.length > 0 ? [`  exported but not loaded by the plan: ${skipped.join(', ')}`] : []),
    '',
    `${'table'.padEnd(width)}  ${'rows'.padStart(12)}  ${'MB'.padStart(9)}  file`,
    ...m.tables.map(
      (t) =>
        `${t.table.padEnd(width)}  ${String(t.rows).padStart(12)}  ${(t.bytes / MB).toFixed(1).padStart(9)}  ${t.file}`,
    ),
  ].join('\n');
}

/** The `--json` payload: the manifest without its plan (`plan --json` or the file itself has it). */
export function showPayload(dir: string, m: Manifest): Record<string, unknown> {
  const { plan: _plan, ...rest } = m;
  return { dir, manifest: rest };
}
