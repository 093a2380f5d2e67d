import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/index.js';

describe('writeFileAtomic', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'conv-atomic-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the file whole and leaves no temp file', async () => {
    const dir = fresh();
    const file = join(dir, 'state.json');
    writeFileSync(file, 'old');
    await writeFileAtomic(file, 'new ✓\n');
    expect(readFileSync(file, 'utf8')).toBe('new ✓\n');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('keeps the old file and removes its temp file when the rename fails', async () => {
    const dir = fresh();
    const file = join(dir, 'target');
    // A non-empty directory where the file should go: rename(2) refuses to replace it.
    writeFileSync(join(dir, 'placeholder'), '');
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    await expect(writeFileAtomic(blocked, 'x')).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['blocked', 'placeholder']);
    await writeFileAtomic(file, 'ok');
    expect(readFileSync(file, 'utf8')).toBe('ok');
  });

  it('refuses to write through a temp name that already exists (another writer owns it)', async () => {
    const dir = fresh();
    const tmpFile = join(dir, 'f.tmp');
    writeFileSync(tmpFile, 'someone else');
    await expect(writeFileAtomic(join(dir, 'f'), 'x', { tmpFile })).rejects.toThrow(/EEXIST/);
    expect(readFileSync(tmpFile, 'utf8')).toBe('someone else');
  });
});
