import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  ConvError,
  ExitCode,
  hashJson,
  MANIFEST_FILE,
  type Manifest,
  ManifestSchema,
  type ManifestTable,
  type ProgressReporter,
} from '@conv/core';
import { readCsvHeader, scanCsvFile } from './scan.js';

function bad(message: string, file: string, hint: string, table?: string): ConvError {
  return new ConvError(message, {
    code: 'import.bad-export',
    exit: ExitCode.badInput,
    at: { file, table },
    hint,
  });
}

const RE_EXPORT = 'Re-run the export, or copy the directory again from where it was written.';

/** Reads and schema-checks `migration_manifest.json` (no file content is looked at). */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw bad(
      `${file}: cannot read the manifest (${code ?? String(err)})`,
      file,
      'Pass the directory an export wrote (it holds migration_manifest.json and the CSV files).',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(`${file}: not valid JSON (${(err as Error).message})`, file, RE_EXPORT);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw bad(`${file}: not a conv manifest: ${issues}`, file, RE_EXPORT);
  }
  const manifest = parsed.data;
  checkConsistency(manifest, file, (json as { plan: unknown }).plan);
  return manifest;
}

/** What a hand edit of the manifest breaks: its totals, its plan hash, file names that leave the directory. */
function checkConsistency(manifest: Manifest, file: string, rawPlan: unknown): void {
  const sum = (pick: (t: ManifestTable) => number) => manifest.tables.reduce((s, t) => s + pick(t), 0);
  const totals = { tables: manifest.tables.length, rows: sum((t) => t.rows), bytes: sum((t) => t.bytes) };
  for (const key of ['tables', 'rows', 'bytes'] as const) {
    if (manifest.totals[key] !== totals[key]) {
      throw bad(
        `${file}: totals.${key} is ${manifest.totals[key]} but the tables listed add up to ${totals[key]} (edited manifest?)`,
        file,
        RE_EXPORT,
      );
    }
  }
  // Hash the plan as written (zod may drop keys it does not know), the way the exporter hashed it.
  const planHash = hashJson(rawPlan);
  if (manifest.planHash !== planHash) {
    throw bad(
      `${file}: planHash ${manifest.planHash} does not match the plan it holds (${planHash}): the plan was edited`,
      file,
      RE_EXPORT,
    );
  }
  const seen = new Set<string>();
  for (const t of manifest.tables) {
    if (t.file !== basename(t.file) || t.file === '..' || t.file === '.' || t.file.includes('\\')) {
      throw bad(
        `${file}: table ${t.table} names file "${t.file}" outside the directory`,
        file,
        RE_EXPORT,
        t.table,
      );
    }
    if (seen.has(t.file)) throw bad(`${file}: file ${t.file} is listed twice`, file, RE_EXPORT, t.table);
    seen.add(t.file);
    if (t.columns.length === 0 || new Set(t.columns).size !== t.columns.length) {
      throw bad(`${file}: table ${t.table} has an empty or repeated column list`, file, RE_EXPORT, t.table);
    }
  }
}

/**
 * When file contents are hashed: `before-load` (default) reads every byte before anything is written;
 * `while-loading` hashes the bytes as they stream into COPY and checks before the COMMIT (one read
 * instead of two; a mismatch rolls back, so nothing from a bad file is ever committed).
 */
export type ContentCheck = 'before-load' | 'while-loading';

/** Checks one listed file: present, same size, header equal to the columns, and (before-load) same sha256. */
export async function validateTableFile(
  dir: string,
  table: ManifestTable,
  content: ContentCheck = 'before-load',
): Promise<void> {
  const path = join(dir, table.file);
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw bad(
      `${path}: missing (listed in ${MANIFEST_FILE} for table ${table.table}; ${err.code ?? err.message})`,
      path,
      RE_EXPORT,
      table.table,
    );
  });
  if (!info.isFile()) throw bad(`${path}: not a regular file`, path, RE_EXPORT, table.table);
  if (info.size !== table.bytes) {
    throw bad(
      `${path}: ${info.size} bytes, the manifest says ${table.bytes} (${info.size < table.bytes ? 'truncated' : 'grown'} since the export)`,
      path,
      RE_EXPORT,
      table.table,
    );
  }
  const header = await readCsvHeader(path);
  if (!header || !sameList(header, table.columns)) {
    throw bad(
      `${path}: header ${JSON.stringify(header ?? [])} differs from the manifest's columns ${JSON.stringify(table.columns)}${describeDiff(header ?? [], table.columns)}`,
      path,
      RE_EXPORT,
      table.table,
    );
  }
  if (content === 'while-loading') return;
  const { sha256, bytes, records } = await scanCsvFile(path);
  if (bytes !== table.bytes) {
    throw bad(`${path}: changed while it was read (${bytes} bytes read)`, path, RE_EXPORT, table.table);
  }
  if (sha256 !== table.sha256) {
    throw bad(
      `${path}: sha256 ${sha256} differs from the manifest's ${table.sha256} (same size: the content was modified)`,
      path,
      RE_EXPORT,
      table.table,
    );
  }
  // The file is the one hashed at export; an edited `rows` is found here, before any table is written.
  if (records - 1 !== table.rows) {
    throw bad(
      `${path}: ${records - 1} rows (CSV records after the header), the manifest says ${table.rows} for table ${table.table} (edited manifest?)`,
      path,
      RE_EXPORT,
      table.table,
    );
  }
}

/** `.csv` files in the directory that the manifest does not list: data nobody would load. */
async function unlistedCsvFiles(dir: string, manifest: Manifest): Promise<string[]> {
  const listed = new Set(manifest.tables.map((t) => t.file));
  const names = await readdir(dir);
  return names.filter((n) => n.toLowerCase().endsWith('.csv') && !listed.has(n)).sort();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function describeDiff(header: readonly string[], columns: readonly string[]): string {
  const missing = columns.filter((c) => !header.includes(c));
  const extra = header.filter((c) => !columns.includes(c));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing in the file: ${missing.join(', ')}`);
  if (extra.length) parts.push(`not in the manifest: ${extra.join(', ')}`);
  if (!parts.length) parts.push('same names in another order');
  return ` — ${parts.join('; ')}`;
}

/**
 * Validates an export directory against its manifest before anything is written anywhere:
 * manifest schema, totals and plan hash, then every listed file (present, size, header, sha256).
 * Throws a ConvError (ExitCode.badInput) naming the first file that does not match. `before-load` also
 * counts the CSV records in the same read (memchr jumps, no byte loop) against the manifest's rows;
 * PostgreSQL's count for each COPY is compared again before its COMMIT. A `.csv` the manifest does not
 * list is refused.
 */
export async function validateExportDirectory(
  dir: string,
  options: { tables?: string[]; content?: ContentCheck; progress?: ProgressReporter } = {},
): Promise<Manifest> {
  const manifest = await readManifest(dir);
  const extra = await unlistedCsvFiles(dir, manifest);
  if (extra.length) {
    throw bad(
      `${dir}: ${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not listed in ${MANIFEST_FILE}: ${extra.length === 1 ? 'it' : 'they'} would not be loaded`,
      join(dir, extra[0] as string),
      'An export writes every file it lists; a CSV added later is not part of it. Remove or move it (or re-run the export), then import again.',
    );
  }
  const only = options.tables ? new Set(options.tables) : null;
  const tables = manifest.tables.filter((t) => !only || only.has(t.table) || only.has(t.target));
  // Cheap checks of every file first: a missing file is reported before gigabytes are hashed.
  for (const table of tables) await validateTableFile(dir, table, 'while-loading');
  if ((options.content ?? 'before-load') === 'before-load') {
    for (const table of tables) {
      options.progress?.start(table.table, { rows: table.rows, bytes: table.bytes });
      await validateTableFile(dir, table, 'before-load');
      options.progress?.finish(table.table, table.rows, table.bytes);
    }
  }
  return manifest;
}
