// `per-table` mode: resumable, a transaction per table (or per key range of a split table).
import type { Manifest } from '@conv/core';
import { deferrableUniques } from './deferred-unique.js';
import { missingNow, prepare, presentNow } from './fk-strategy.js';
import type { FkStrategy } from './foreign-keys.js';
import type { LoadOptions } from './import.js';
import {
  finishLoad,
  type LoadInput,
  type RunContext,
  type RunOutcome,
  undoSequences,
} from './load-context.js';
import type { LoadPart, LoadTable } from './load-plan.js';
import { loadOne } from './load-table.js';
import { committedBefore } from './resume.js';
import type { Session } from './session.js';
import { SplitLoad, splitStateMismatch } from './split-load.js';
import { type ImportState, writeState } from './state.js';
import { readLiveTarget } from './target.js';

/**
 * `per-table`: one transaction for the setup (dropped keys + the one TRUNCATE), one per table, one for
 * the end (keys, sequences). The state file is written before the setup commits (so dropped keys are
 * never only in the target's memory) and after each table commits. A table found non-empty on resume
 * was committed by a run that died before writing the state: it counts as done when its row count
 * equals the manifest's.
 */
export async function runPerTable(
  session: Session,
  manifest: Manifest,
  options: LoadOptions,
  ctx: RunContext,
  input: LoadInput,
): Promise<RunOutcome> {
  const { outcome, order, fks, droppable, truncated, live } = input;
  const now = new Date().toISOString();
  const state: ImportState = input.state ?? {
    stateVersion: 1,
    planHash: manifest.planHash,
    target: ctx.target,
    strategy: outcome.strategy,
    tables: order.map((t) => t.target),
    phase: 'loading',
    done: [],
    droppedForeignKeys: droppable,
    startedAt: now,
    updatedAt: now,
  };
  if (outcome.strategy === 'replica') await session.run('SET session_replication_role = replica');
  if (state.phase === 'preparing' || !input.state) {
    // Recorded before the COMMIT: if the process dies right after it, the dropped keys are in the file.
    await writeState(options.dir, { ...state, phase: 'preparing' });
    await session.run('BEGIN');
    try {
      await prepare(
        session,
        outcome.strategy,
        fks,
        presentNow(droppable, live),
        truncated,
        'session',
        ctx.schema,
      );
      await session.run('COMMIT');
    } catch (err) {
      await session.run('ROLLBACK').catch(() => {});
      throw err;
    }
    state.phase = 'loading';
    await writeState(options.dir, state);
  }
  // Tables at once, each on its own connection and in its own transaction. `ordered` checks keys row by
  // row, so a child must wait for its parents' COMMIT: one connection there.
  const queue = order.filter((table) => {
    if (!state.done.includes(table.target)) return true;
    outcome.resumed.push(table.target);
    return false;
  });
  const units = await splitUnits(session, queue, options, ctx, state, outcome);
  // Connections for the tables and the ranges of split tables alike.
  const jobs = outcome.strategy === 'ordered' ? 1 : Math.max(1, Math.min(options.jobs ?? 1, units.length));
  const sessions = [session, ...(await ctx.more(jobs - 1))];
  if (outcome.strategy === 'replica') {
    for (const extra of sessions.slice(1)) await extra.run('SET session_replication_role = replica');
  }
  let failure: unknown = null;
  const loadTable = async (s: Session, table: LoadTable) => {
    await s.run('BEGIN');
    let loaded: RunOutcome['loaded'][number] | undefined;
    try {
      if (await committedBefore(s, table)) {
        await s.run('ROLLBACK');
        outcome.resumed.push(table.target);
      } else {
        loaded = await loadOne(s, table, ctx, options, outcome, false);
        outcome.loaded.push(loaded);
        await s.run('COMMIT');
        options.onTableLoaded?.(table);
      }
    } catch (err) {
      await s.run('ROLLBACK').catch(() => {});
      throw err;
    }
    state.done.push(table.target);
    await writeState(options.dir, state);
    if (loaded) ctx.say(`committed ${table.target}: ${loaded.rows} rows (per-table)`);
  };
  const loadUnit = async (s: Session, unit: Unit) => {
    if (!unit.part) return loadTable(s, unit.table);
    const split = unit.split!;
    if (!(await split.loadPart(s, unit.part))) return;
    // Every part committed: only now is the table done.
    const { table } = unit;
    const parts = split.parts.length;
    if (split.resumedParts === parts) outcome.resumed.push(table.target);
    else {
      outcome.loaded.push({
        table: table.target,
        rows: split.rows,
        bytes: split.bytes,
        ms: Date.now() - split.started,
        parts,
      });
    }
    delete state.split?.[table.target];
    state.done.push(table.target);
    await writeState(options.dir, state);
    options.onTableLoaded?.(table);
    ctx.say(
      `committed ${table.target}: ${split.rows} rows in ${parts} key ranges (per-table${split.resumedParts ? `, ${split.resumedParts} range(s) committed by an earlier run` : ''})`,
    );
  };
  // A failed table stops new ones from starting; tables already loading finish and commit (resumable).
  await Promise.all(
    sessions.map(async (s) => {
      for (let unit = units.shift(); unit && !failure; unit = units.shift()) {
        try {
          await loadUnit(s, unit);
        } catch (err) {
          failure ??= err;
          ctx.say(
            `rolled back ${unit.table.target}${unit.part ? ` part ${unit.part.index}/${unit.part.of}` : ''}`,
          );
        }
      }
    }),
  );
  if (failure) {
    ctx.say(`committed so far: ${state.done.join(', ') || '(none)'}; re-run to resume after them`);
    throw failure;
  }
  // Re-add what is really missing now (a resumed run may find some keys already back).
  const toAdd = droppable.length
    ? missingNow(droppable, await readLiveTarget(session.client, ctx.schema))
    : [];
  await session.run('BEGIN');
  try {
    await finishLoad(session, ctx, outcome, fks, toAdd, order);
    await session.run('COMMIT');
  } catch (err) {
    await session.run('ROLLBACK').catch(() => {});
    await undoSequences(session, ctx.say);
    throw err;
  }
  await writeState(options.dir, { ...state, phase: 'completed', droppedForeignKeys: [] });
  return outcome;
}

/** A table, or one key range of a split table: what a per-table connection takes next. */
interface Unit {
  table: LoadTable;
  part?: LoadPart;
  split?: SplitLoad;
}

/** The per-table queue: whole tables, and the parts of split tables side by side (so they run at once). */
async function splitUnits(
  session: Session,
  queue: LoadTable[],
  options: LoadOptions,
  ctx: RunContext,
  state: ImportState,
  outcome: RunOutcome,
): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const table of queue) {
    let parts = options.parts?.get(table.table);
    const whole = parts && parts.length > 1 ? await loadedWhole(session, table, ctx, outcome.strategy) : null;
    if (parts && whole) {
      ctx.say(`${table.target} is loaded whole, not in ${parts.length} key ranges: ${whole}`);
      outcome.loadedWhole.push({ table: table.target, reason: whole });
      parts = undefined;
    }
    if (!parts || parts.length < 2) {
      const before = state.split?.[table.target];
      if (before?.done.length) {
        throw splitStateMismatch(
          options.dir,
          table.target,
          `was being loaded in ${before.parts} key ranges, this run loads it whole`,
        );
      }
      units.push({ table });
      continue;
    }
    const split = new SplitLoad(table, parts, {
      dir: options.dir,
      state,
      stall: ctx.stall,
      progress: ctx.progress,
      copy: options.copy,
    });
    ctx.say(`${table.target}: loaded in ${parts.length} key ranges, each its own COPY and transaction`);
    for (const part of parts) units.push({ table, part, split });
  }
  return units;
}

/**
 * Why a table cut into key ranges must still load in one transaction: what its load does around the COPY
 * needs the whole table in that transaction. Null when the ranges can go ahead.
 */
async function loadedWhole(
  session: Session,
  table: LoadTable,
  ctx: RunContext,
  strategy: FkStrategy,
): Promise<string | null> {
  if (ctx.triggers?.get(table.target)?.before.length) return 'its triggers are switched around the COPY';
  if (
    strategy === 'replica' &&
    (await deferrableUniques(session.client, table.schema, table.target)).length
  ) {
    return 'its deferrable unique keys are checked in the transaction that loads it (replica skips their triggers)';
  }
  return null;
}
