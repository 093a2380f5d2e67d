import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConvError, DIR_LOCK_FILE, lockDirectory, MANIFEST_FILE } from '@conv/core';

export interface OrphanDir {
  dir: string;
  files: number;
  bytes: number;
  /** What was done: removed, or why not. */
  outcome: 'removed' | 'busy' | 'recent' | 'failed';
  /** Other files left in the directory (CSV of tables finished before the kill). */
  left: number;
  detail?: string;
}

/** A directory without a lock (an export of an older conv, or one not started by conv) is only cleaned once this quiet. */
const UNLOCKED_QUIET_MS = 60 * 60 * 1000;

/** Files conv writes while exporting and renames or removes when done: what a killed export leaves. */
const isLeftover = (name: string) => name.endsWith('.csv.partial') || name === `${MANIFEST_FILE}.tmp`;

/**
 * Earlier export directories under `appDir` that have `.partial` files and no manifest: an export that was
 * killed (kill -9, host crash) before it could clean up. Their `.csv.partial` (and manifest `.tmp`) files
 * are removed — only those, only in directories under our own app directory, and only while holding the
 * directory's lock: a directory whose lock is held by a running process (an export in progress) is left
 * alone, a lock whose process is gone (killed) is taken over. A directory with no lock at all is cleaned
 * only when its files have been untouched for an hour (an older conv running without a lock looks the
 * same). The directory itself is removed when nothing else is left in it.
 */
export async function removeOrphanPartials(
  appDir: string,
  except: string,
  now = Date.now(),
): Promise<OrphanDir[]> {
  const entries = await readdir(appDir, { withFileTypes: true }).catch(() => []);
  const out: OrphanDir[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(appDir, entry.name);
    if (dir === except) continue;
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.includes(MANIFEST_FILE)) continue;
    const partials = names.filter(isLeftover);
    if (!partials.some((n) => n.endsWith('.partial'))) continue;
    let bytes = 0;
    let newest = 0;
    for (const n of partials) {
      const s = await stat(join(dir, n)).catch(() => ({ size: 0, mtimeMs: 0 }));
      bytes += s.size;
      newest = Math.max(newest, s.mtimeMs);
    }
    const left = names.filter((n) => !isLeftover(n) && n !== DIR_LOCK_FILE).length;
    const orphan: OrphanDir = { dir, files: partials.length, bytes, outcome: 'removed', left };
    out.push(orphan);
    const locked = names.includes(DIR_LOCK_FILE);
    if (!locked && now - newest < UNLOCKED_QUIET_MS) {
      orphan.outcome = 'recent';
      continue;
    }
    let release: () => void;
    try {
      release = lockDirectory(dir, 'export');
    } catch (err) {
      orphan.outcome = err instanceof ConvError && err.code === 'dir.busy' ? 'busy' : 'failed';
      orphan.detail = (err as Error).message;
      continue;
    }
    try {
      for (const n of partials) await unlink(join(dir, n));
    } catch (err) {
      orphan.outcome = 'failed';
      orphan.detail = (err as Error).message;
    } finally {
      release();
    }
    if (orphan.outcome === 'removed' && left === 0) await rmdir(dir).catch(() => {});
  }
  return out.sort((a, b) => a.dir.localeCompare(b.dir));
}

export function orphanNote(o: OrphanDir): string {
  const what = `${o.files} .partial file(s), ${(o.bytes / 1048576).toFixed(1)} MB`;
  const rest = o.left
    ? `; ${o.left} other file(s) of that incomplete export are left (no manifest: they cannot be imported), remove the directory when you no longer need them`
    : '';
  switch (o.outcome) {
    case 'removed':
      return `${o.dir}: removed ${what} left by an interrupted export (its process is gone)${rest}`;
    case 'busy':
      return `${o.dir} holds ${what} and no manifest: an export still runs there (${o.detail}), left alone`;
    case 'recent':
      return `${o.dir} holds ${what}, no manifest and no lock (an export of an older conv, interrupted or still running): left alone; remove the directory once no export runs there`;
    default:
      return `${o.dir} holds ${what} and no manifest; removing them failed (${o.detail}): remove the directory once no export runs there`;
  }
}
