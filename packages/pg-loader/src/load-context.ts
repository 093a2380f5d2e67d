// What both load modes share: the run's context, its outcome, and the steps each mode takes per table.
import type { ProgressReporter } from '@conv/core';
import { restoreForeignKeys } from './fk-strategy.js';
import type { ImportMode, ImportResult } from './import.js';
import type { LoadTable } from './load-plan.js';
import { forgetForeignKeys } from './saved-constraints.js';
import { restartSequences } from './sequences.js';
import { runOn, type Session } from './session.js';
import type { ImportState } from './state.js';
import type { LiveForeignKey, LiveTarget } from './target.js';
import type { TableTriggers } from './triggers.js';

export interface RunContext {
  stall: { ms: number; server: string };
  schema: string;
  /** Further sessions on their own connections (parallel per-table loads). */
  more(n: number): Promise<Session[]>;
  mode: ImportMode;
  progress: ProgressReporter;
  target: string;
  say(line: string): void;
  /** Trigger switches around each table's COPY. */
  triggers?: Map<string, TableTriggers>;
  /** Set once the one transaction was rolled back. */
  rolledBack: boolean;
  /** Deferred indexes rebuilt so far and in all, for the progress display (`index builds n/total`). */
  indexBuilds?: { built: number; total: number };
}

export type RunOutcome = Omit<ImportResult, 'scriptFile' | 'logFile' | 'ms'>;

/** What the shared preparation (import.ts `runImport`) decided, for either load mode to apply. */
export interface LoadInput {
  outcome: RunOutcome;
  state: ImportState | null;
  order: LoadTable[];
  fks: LiveForeignKey[];
  droppable: LiveForeignKey[];
  truncated: { schema: string; name: string; only?: boolean }[];
  live: LiveTarget;
}

/** The one place the loaded rows and bytes are added up. */
export function withTotals(outcome: RunOutcome): RunOutcome {
  const sum = (pick: (t: RunOutcome['loaded'][number]) => number) =>
    outcome.loaded.reduce((n, t) => n + pick(t), 0);
  outcome.totals = { tables: outcome.loaded.length, rows: sum((t) => t.rows), bytes: sum((t) => t.bytes) };
  return outcome;
}

/** One deferred index rebuilt: the progress's `index builds n/total`. */
export function indexBuilt(ctx: RunContext): void {
  if (!ctx.indexBuilds) return;
  ctx.indexBuilds.built += 1;
  // A table whose indexes appeared after the count still counts: the total never falls behind.
  ctx.indexBuilds.total = Math.max(ctx.indexBuilds.total, ctx.indexBuilds.built);
  ctx.progress.count?.('index builds', ctx.indexBuilds.built, ctx.indexBuilds.total);
}

/** Sequences restart in the load's transaction (see sequences.ts): a rollback leaves them untouched. */
export function resetSequences(
  session: Session,
  tables: LoadTable[],
): Promise<{ sequence: string; value: string }[]> {
  session.undo = [];
  return restartSequences((stmt) => session.run(stmt), tables, session.undo);
}

/** After a ROLLBACK: puts back sequences that had to be moved with setval (not transactional). */
export async function undoSequences(session: Session, say: (line: string) => void): Promise<void> {
  for (const stmt of session.undo.splice(0)) {
    await session.run(stmt).catch((err: Error) => say(`could not restore a sequence: ${err.message}`));
  }
}

/**
 * The load's last step in its transaction, the same in both modes: foreign keys back (and checked), the
 * saved copies of dropped keys forgotten, sequences moved past the loaded keys.
 */
export async function finishLoad(
  session: Session,
  ctx: RunContext,
  outcome: RunOutcome,
  fks: LiveForeignKey[],
  toAdd: LiveForeignKey[],
  tables: LoadTable[],
): Promise<void> {
  outcome.checkedForeignKeys = await restoreForeignKeys(session, outcome.strategy, fks, toAdd);
  await forgetForeignKeys(session.client, runOn(session), ctx.schema);
  outcome.sequences = await resetSequences(session, tables);
}
