import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConvError, ExitCode, writeFileAtomic } from '@conv/core';
import lockfile from 'proper-lockfile';
import { type AuditEvent, AuditEventSchema } from './event.js';

/** The file as the old script kept it: one object holding every run event, oldest first. */
export interface AuditLogFile {
  migration_runs: AuditEvent[];
}

/** The file as read, with any entries conv did not write (the old script's) kept apart, untouched. */
export interface AuditLogContents extends AuditLogFile {
  /** Entries that are not conv events (e.g. written by `log_migration_run.sh`), with their position. */
  foreign: { index: number; entry: unknown }[];
}

export interface LockOptions {
  /** A lock whose holder stopped refreshing it for this long is taken over (crashed writer). */
  staleMs?: number;
  /** How long to wait for the lock before giving up. */
  waitMs?: number;
}

const TMP_MARK = '.conv-tmp-';

/** Parses the raw file: `{"migration_runs": [...]}`; anything else is an error naming the file. */
function parseLog(file: string, text: string): unknown[] {
  if (text.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConvError(`${file} is not valid JSON (${(err as Error).message}); conv will not overwrite it`, {
      code: 'audit.corrupt',
      exit: ExitCode.badInput,
      at: { file },
      hint: 'move the file aside (conv starts a new log) or repair it by hand',
    });
  }
  const runs = (data as { migration_runs?: unknown } | null)?.migration_runs;
  if (!Array.isArray(runs)) {
    throw new ConvError(`${file} does not hold {"migration_runs": [...]}; conv will not overwrite it`, {
      code: 'audit.corrupt',
      exit: ExitCode.badInput,
      at: { file },
      hint: 'point --log-file at a conv/old-script migration log, or at a new file',
    });
  }
  return runs;
}

async function readRaw(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseLog(file, text);
}

/** Reads `migration_log.json` (a missing file is an empty log). */
export async function readAuditLog(file: string): Promise<AuditLogContents> {
  const raw = await readRaw(file);
  const contents: AuditLogContents = { migration_runs: [], foreign: [] };
  raw.forEach((entry, index) => {
    const parsed = AuditEventSchema.safeParse(entry);
    if (parsed.success) contents.migration_runs.push(parsed.data);
    else contents.foreign.push({ index, entry });
  });
  return contents;
}

/** Writes `text` atomically, with a temp name that marks it as ours for removeLeftovers. */
function writeAtomically(file: string, text: string): Promise<void> {
  const tmpFile = join(
    dirname(file),
    `${basename(file)}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  return writeFileAtomic(file, text, { tmpFile });
}

/** Temp files a crashed writer left; only called while holding the lock, so none is in use. */
async function removeLeftovers(file: string): Promise<void> {
  const prefix = `${basename(file)}${TMP_MARK}`;
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(prefix)).map((n) => unlink(join(dirname(file), n)).catch(() => {})),
  );
}

/**
 * Appends events under an exclusive lock (`<file>.lock`, a directory made with mkdir: atomic on local and
 * network file systems, taken over when its holder died) with a read-modify-write that replaces the file
 * atomically (temp file, fsync, rename). Entries already in the file are kept as they are.
 */
export async function appendToFile(
  file: string,
  events: readonly AuditEvent[],
  options: LockOptions = {},
): Promise<void> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  const staleMs = Math.max(2000, options.staleMs ?? 10_000);
  const waitMs = options.waitMs ?? 60_000;
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: staleMs,
      retries: {
        retries: Math.ceil(waitMs / 50),
        minTimeout: 5,
        maxTimeout: 100,
        factor: 1.3,
        randomize: true,
      },
      onCompromised: (err) => {
        compromised = err;
      },
    });
  } catch (err) {
    throw new ConvError(`could not lock ${path} within ${waitMs} ms: ${(err as Error).message}`, {
      code: 'audit.lock',
      at: { file: path },
      hint: `another conv process holds ${path}.lock; if none runs, remove that directory`,
      cause: err,
    });
  }
  try {
    await removeLeftovers(path);
    const runs = await readRaw(path);
    runs.push(...events);
    const text = `${JSON.stringify({ migration_runs: runs }, null, 2)}\n`;
    // A lock we could not keep fresh may have been taken over: do not overwrite the other writer's file.
    if (compromised) throw lostLock(path, compromised);
    await writeAtomically(path, text);
  } finally {
    await release().catch(() => {});
  }
}

function lostLock(path: string, cause: Error): ConvError {
  return new ConvError(`the lock on ${path} was lost before writing: ${cause.message}`, {
    code: 'audit.lock',
    at: { file: path },
    hint: 'retry; the file itself is whole (it is only ever replaced atomically)',
    cause,
  });
}
