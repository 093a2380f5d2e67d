// The state file under parallel loads: tables (or key ranges) commit side by side and each writes the
// state. Two writes racing used to land in any order, so the file could miss a committed range.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ImportState, readState, writeState } from '../src/state.js';

const dir = mkdtempSync(join(tmpdir(), 'conv-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeState', () => {
  it('keeps the newest state when many writes race, and leaves no temporary file', async () => {
    const now = new Date().toISOString();
    const state: ImportState = {
      stateVersion: 1,
      planHash: 'h',
      target: '127.0.0.1:5432/db (schema public)',
      strategy: 'replica',
      tables: [],
      phase: 'loading',
      done: [],
      droppedForeignKeys: [],
      split: { big: { parts: 40, bounds: '[]', done: [] } },
      startedAt: now,
      updatedAt: now,
    };
    const writes: Promise<void>[] = [];
    for (let part = 1; part <= 40; part++) {
      // As a range does after its COMMIT: record it, then write, without waiting for the others.
      state.split!['big']!.done.push(part);
      writes.push(writeState(dir, state));
    }
    await Promise.all(writes);
    expect((await readState(dir))?.split?.['big']?.done).toHaveLength(40);
    expect(readdirSync(dir)).toEqual(['import_state.json']);
  });
});
