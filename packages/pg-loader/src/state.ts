import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConvError, ExitCode, writeFileAtomic } from '@conv/core';
import { z } from 'zod';
import type { FkStrategy } from './foreign-keys.js';

export const STATE_FILE = 'import_state.json';

const SavedFkSchema = z.object({
  name: z.string(),
  schema: z.string(),
  table: z.string(),
  columns: z.array(z.string()),
  refSchema: z.string(),
  refTable: z.string(),
  refColumns: z.array(z.string()),
  definition: z.string(),
  deferrable: z.boolean(),
  validated: z.boolean(),
  childOwned: z.boolean(),
  canReference: z.boolean(),
});

/**
 * Progress of a `per-table` import, in the export directory. What is committed in the target is
 * recorded here right after each COMMIT, so a re-run resumes after the last committed table. Foreign
 * keys dropped by `drop-recreate` are saved here too: a crash between tables must not lose them.
 */
export const ImportStateSchema = z.object({
  stateVersion: z.literal(1),
  planHash: z.string(),
  /** host:port/database and schema: never credentials. */
  target: z.string(),
  strategy: z.enum(['replica', 'drop-recreate', 'ordered']),
  /** Target tables in load order. */
  tables: z.array(z.string()),
  /** `preparing`: keys being dropped and tables truncated (not committed yet, or just committed). */
  phase: z.enum(['preparing', 'loading', 'completed']),
  /** Target tables committed so far. */
  done: z.array(z.string()),
  droppedForeignKeys: z.array(SavedFkSchema),
  /**
   * Tables loaded in key ranges (split), by target name: how many parts, their bounds (the target-side
   * values, as JSON: a resume needs the very same ranges) and the parts committed. A table enters `done`
   * only once every part is in: a half-loaded table is never done.
   */
  split: z
    .record(
      z.string(),
      z.object({
        parts: z.number().int().positive(),
        bounds: z.string(),
        done: z.array(z.number().int().positive()),
      }),
    )
    .optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export type ImportState = z.infer<typeof ImportStateSchema>;

export async function readState(dir: string): Promise<ImportState | null> {
  const file = join(dir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = ImportStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new ConvError(
      `${file}: not a conv import state file (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      {
        code: 'import.bad-state',
        exit: ExitCode.badInput,
        at: { file },
        hint: 'Remove it to start the import from the beginning (this truncates the planned tables again).',
      },
    );
  }
  return parsed.data;
}

/** The last write of each state file: the next one waits for it. */
const writing = new Map<string, Promise<void>>();

/**
 * Parallel loads commit side by side and each records it: the writes of one file go one after another,
 * and each serialises the state when its turn comes, so an older snapshot never lands after a newer one
 * (two renames racing left a committed range out of the file). Write-then-rename: a crash leaves the old
 * state or the new one, never half a file.
 */
export function writeState(dir: string, state: ImportState): Promise<void> {
  const file = join(dir, STATE_FILE);
  const next = (writing.get(file) ?? Promise.resolve())
    .catch(() => {})
    .then(() =>
      writeFileAtomic(
        file,
        `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`,
      ),
    );
  writing.set(file, next);
  const forget = () => {
    if (writing.get(file) === next) writing.delete(file);
  };
  next.then(forget, forget);
  return next;
}

export type { FkStrategy };
