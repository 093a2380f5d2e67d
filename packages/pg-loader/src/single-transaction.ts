// `single-transaction` mode: all or nothing.
import { prepare, presentNow } from './fk-strategy.js';
import type { LoadOptions } from './import.js';
import {
  finishLoad,
  type LoadInput,
  type RunContext,
  type RunOutcome,
  undoSequences,
} from './load-context.js';
import { loadOne } from './load-table.js';
import type { Session } from './session.js';

/**
 * `single-transaction`: keys, the one TRUNCATE, every COPY, keys back and sequences in one transaction,
 * so a failure anywhere leaves the target as it was.
 */
export async function runSingleTransaction(
  session: Session,
  options: LoadOptions,
  ctx: RunContext,
  input: LoadInput,
): Promise<RunOutcome> {
  const { outcome, order, fks, droppable, truncated, live } = input;
  await session.run('BEGIN');
  try {
    await prepare(session, outcome.strategy, fks, presentNow(droppable, live), truncated, 'local');
    // Every table was truncated in this transaction: COPY FREEZE writes its rows already frozen.
    for (const table of order) {
      outcome.loaded.push(await loadOne(session, table, ctx, options, outcome, !table.partitioned));
      options.onTableLoaded?.(table);
    }
    await finishLoad(session, ctx, outcome, fks, droppable, order);
    await session.run('COMMIT');
  } catch (err) {
    await session.run('ROLLBACK').catch(() => {});
    await undoSequences(session, ctx.say);
    ctx.rolledBack = true;
    ctx.say('rolled back: the target is as it was before the import');
    throw err;
  }
  return outcome;
}
