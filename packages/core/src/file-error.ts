import { ConvError, ExitCode } from './errors.js';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** Whether a file-system error is one the operator fixes on the machine (space, permissions, path). */
export function isLocalFileProblem(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  return DISK_FULL.has(code) || NOT_WRITABLE.has(code) || code === 'ENOTDIR' || code === 'ENOENT';
}

/**
 * ConvError for a local file that could not be written: names the file and the reason in words. Disk
 * full, read-only or missing directories are the operator's to fix, not bugs: exit 2 (configuration of
 * the machine), never 1.
 */
export function fileWriteError(
  err: unknown,
  file: string,
  options: { table?: string; hint?: string; what?: string } = {},
): ConvError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reason = DISK_FULL.has(code ?? '')
    ? 'the disk is full'
    : NOT_WRITABLE.has(code ?? '')
      ? `the directory is not writable${code === 'EROFS' ? ' (read-only file system)' : ''}`
      : code === 'ENOTDIR' || code === 'ENOENT'
        ? 'the path is not a directory'
        : ((err as Error)?.message ?? String(err));
  return new ConvError(
    `cannot write ${options.what ?? ''}${file}${options.table ? ` (table ${options.table})` : ''}: ${reason} [${code ?? 'error'}]`,
    {
      code: 'file.write',
      exit: isLocalFileProblem(err) ? ExitCode.usage : ExitCode.unexpected,
      at: { file, ...(options.table ? { table: options.table } : {}) },
      hint:
        options.hint ??
        (DISK_FULL.has(code ?? '') ? 'free space on that file system' : 'check the path and its permissions'),
      cause: err,
    },
  );
}
