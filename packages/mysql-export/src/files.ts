import { createHash } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { type ConvError, fileWriteError, writeFileAtomic as writeAtomic } from '@conv/core';

/** `YYYYmmdd_HHMMSS` in UTC, the directory name the old export scripts used. */
export function exportStamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}_` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`
  );
}

const MAX_BASE = 200;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * A file name for a table: the table name when it is a plain name, else a safe spelling of it. Unique
 * ignoring case (macOS and Windows file systems fold case, MySQL table names need not).
 */
export function fileNameFor(table: string, taken: Set<string>): string {
  let base = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(table)
    ? table
    : encodeURIComponent(table).replaceAll('%', '@');
  // File names hold 255 bytes; `.csv.partial` and `~N` must still fit (28 CJK characters encode to 252).
  if (base.length > MAX_BASE) base = `${base.slice(0, MAX_BASE - 17)}~${sha256Hex(table).slice(0, 16)}`;
  let name = `${base}.csv`;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base}~${i}.csv`;
  taken.add(name.toLowerCase());
  return name;
}

/** ConvError for a failed write, naming the file and what to do (disk full, read-only: exit 2). */
export function writeError(err: unknown, file: string, table?: string): ConvError {
  return fileWriteError(err, file, {
    ...(table ? { table } : {}),
    hint: 'free space or choose another --out directory; the export directory was left without a manifest',
  });
}

/** Writes a file atomically (see writeFileAtomic in core); failures name the file. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  try {
    await writeAtomic(file, content, { tmpFile: `${file}.tmp` });
  } catch (err) {
    throw writeError(err, file);
  }
}

/**
 * Abandons a `.partial` file: destroys its stream, waits until it is closed (a stream stopped at once may
 * still be opening the file, which would then appear after the caller's cleanup) and removes the file.
 */
export async function discardPartial(out: WriteStream, path: string): Promise<void> {
  out.destroy();
  if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
  await unlink(path).catch(() => {});
}
