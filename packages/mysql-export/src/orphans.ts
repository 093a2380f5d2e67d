import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from '@conv/core';

export interface OrphanDir {
  dir: string;
  files: number;
  bytes: number;
}

/**
 * Earlier export directories under `appDir` that have `.partial` files and no manifest: an export that
 * was killed (kill -9, host crash) before it could clean up. Reported, not removed: an export running
 * right now in another process looks the same.
 */
export async function findOrphanPartials(appDir: string, except: string): Promise<OrphanDir[]> {
  const entries = await readdir(appDir, { withFileTypes: true }).catch(() => []);
  const out: OrphanDir[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(appDir, entry.name);
    if (dir === except) continue;
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.includes(MANIFEST_FILE)) continue;
    const partials = names.filter((n) => n.endsWith('.partial'));
    if (!partials.length) continue;
    let bytes = 0;
    for (const n of partials) bytes += (await stat(join(dir, n)).catch(() => ({ size: 0 }))).size;
    out.push({ dir, files: partials.length, bytes });
  }
  return out.sort((a, b) => a.dir.localeCompare(b.dir));
}

export function orphanNote(o: OrphanDir): string {
  return `${o.dir} holds ${o.files} .partial file(s), ${(o.bytes / 1048576).toFixed(1)} MB, and no manifest: left by an interrupted export (or one still running); remove the directory once no export runs there`;
}
