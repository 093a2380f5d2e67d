import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConvError, ExitCode, fileWriteError } from '@conv/core';
import type pg from 'pg';

/**
 * One writer per target: a session-level PostgreSQL advisory lock on (database, schema), held by the
 * import's own connection. PostgreSQL releases it when that connection ends, however the process ends
 * (kill -9 included), so there is nothing stale to clean up.
 */
export async function lockTarget(client: pg.ClientBase, schema: string, target: string): Promise<void> {
  const key = ['conv import', schema];
  const res = await client.query<{ ok: boolean }>(
    'SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext($1), pg_catalog.hashtext($2)) AS ok',
    key,
  );
  if (res.rows[0]?.ok) return;
  const holder = await client.query<{ pid: number; app: string; since: string }>(
    `SELECT a.pid, a.application_name AS app, a.backend_start::text AS since
       FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
        AND l.classid::int = pg_catalog.hashtext($1) AND l.objid::int = pg_catalog.hashtext($2) AND l.objsubid = 2`,
    key,
  );
  const h = holder.rows[0];
  throw new ConvError(
    `another conv import is writing into ${target}${h ? ` (PostgreSQL backend ${h.pid}, ${h.app || 'no application name'}, connected since ${h.since})` : ''}: refused, nothing was written`,
    'target-busy',
    ExitCode.usage,
    {},
    'Wait for that import to finish (or stop it), then run this one again. Two loads into one schema at once would mix their rows.',
  );
}

export const DIR_LOCK_FILE = 'import.lock';

interface DirLockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One import per export directory at a time (its state file and import script live there): an
 * exclusive lock file. A lock left by a process that no longer runs on this host is taken over.
 * Returns the release function.
 */
export function lockDirectory(dir: string): () => void {
  const file = join(dir, DIR_LOCK_FILE);
  const me: DirLockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      return () => {
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
          code: 'dir-lock',
          what: 'the lock file ',
          hint: 'The import writes its lock, script and log next to the CSV files: make the export directory writable (or free space).',
        });
      }
    }
    let owner: DirLockOwner | null = null;
    try {
      owner = JSON.parse(readFileSync(file, 'utf8')) as DirLockOwner;
    } catch {
      owner = null; // being written right now, or garbage: treat as held
    }
    if (owner && owner.host === me.host && !alive(owner.pid)) {
      unlinkSync(file); // its process is gone (killed): take over
      continue;
    }
    throw new ConvError(
      `${dir} is being imported by another process${owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt})` : ''}: refused`,
      'dir-busy',
      ExitCode.usage,
      { file },
      `Wait for that import to finish. If no import runs any more, remove ${file}.`,
    );
  }
  throw new ConvError(`cannot lock ${dir}`, 'dir-busy', ExitCode.usage, { file });
}
