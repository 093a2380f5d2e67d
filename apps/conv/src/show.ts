// `show <dir>`: what an export directory holds, read from its manifest (the old scripts' "verify exports"
// step, without dumping the ~470 KB manifest with its embedded plan). Reads; checks no file contents.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConvError, ExitCode, MANIFEST_FILE, type Manifest, ManifestSchema, MB } from '@conv/core';

export async function readManifest(dir: string): Promise<Manifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConvError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'export-dir',
      ExitCode.badInput,
      { file },
      'pass an export directory (it holds migration_manifest.json)',
    );
  }
  const parsed = ManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConvError(
      `${file} is not a conv manifest: ${issue?.path.join('.')}: ${issue?.message}`,
      'export-dir',
      ExitCode.badInput,
      { file },
      'was the directory written by `conv export`?',
    );
  }
  return parsed.data;
}

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
