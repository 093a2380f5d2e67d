import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConvError, ExitCode } from './errors.js';
import { fileWriteError } from './file-error.js';

/** The lock file of an export directory, held by the export writing it and by an import reading it. */
export const DIR_LOCK_FILE = 'import.lock';

export interface DirLockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** What the holder does there (absent in locks of older versions: an import). */
  activity?: DirActivity;
}

export type DirActivity = 'import' | 'export';

/** Whether a process id runs on this host (EPERM: it does, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per export directory at a time (the export writing its files; an import, whose state file
 * and script live there): an exclusive lock file. A lock left by a process that no longer runs on this
 * host is taken over. Returns the release function.
 */
export function lockDirectory(dir: string, activity: DirActivity = 'import'): () => void {
  const file = join(dir, DIR_LOCK_FILE);
  const me: DirLockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    activity,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      let held = true;
      // Once only: a second call must not remove a lock another process took since.
      return () => {
        if (!held) return;
        held = false;
        try {
          unlinkSync(file);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // A read-only or full export directory: the same local-file error (exit 2) as the script and log.
        throw fileWriteError(err, file, {
          what: 'the lock file ',
          hint:
            activity === 'import'
              ? 'The import writes its lock, script and log next to the CSV files: make the export directory writable (or free space).'
              : 'free space or choose another --out directory',
        });
      }
    }
    let owner: DirLockOwner | null = null;
    try {
      owner = JSON.parse(readFileSync(file, 'utf8')) as DirLockOwner;
    } catch {
      owner = null; // being written right now, or garbage: treat as held
    }
    if (owner && owner.host === me.host && !processAlive(owner.pid)) {
      unlinkSync(file); // its process is gone (killed): take over
      continue;
    }
    throw new ConvError(
      `${dir} is being ${owner?.activity === 'export' ? 'exported' : 'imported'} by another process${owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt})` : ''}: refused`,
      {
        code: 'dir.busy',
        exit: ExitCode.usage,
        at: { file },
        hint: `Wait for that ${owner?.activity ?? 'import'} to finish. If none runs any more, remove ${file}.`,
      },
    );
  }
  throw new ConvError(`cannot lock ${dir}`, { code: 'dir.busy', exit: ExitCode.usage, at: { file } });
}
