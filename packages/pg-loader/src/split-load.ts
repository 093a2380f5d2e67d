// A table loaded in key ranges (per-table mode): each part is its own COPY in its own transaction, on
// whichever connection takes it, so parts of one table load side by side.
import { ConvError, ExitCode, type ProgressReporter, quotePgQualified } from '@conv/core';
import type pg from 'pg';
import type { CopyOutcome } from './copy.js';
import { deferrableUniques, duplicateError, duplicateQuery } from './deferred-unique.js';
import { deferrableIndexes, dropIndex } from './indexes.js';
import type { LoadPart, LoadTable } from './load-plan.js';
import type { Session } from './session.js';
import { copyFromStdin } from './sql.js';
import { type ImportState, writeState } from './state.js';

/** What a split table's parts share with the rest of the per-table run. */
export interface SplitContext {
  dir: string;
  state: ImportState;
  deferIndexes: boolean;
  /** Under replica, deferrable unique keys are checked after the last part (their triggers do not fire). */
  replica: boolean;
  stall: { ms: number; server: string };
  progress: ProgressReporter;
  copy(
    client: pg.ClientBase,
    table: LoadTable,
    onBytes: (bytes: number) => void,
    options: { freeze: boolean; stall: { ms: number; server: string }; part?: LoadPart },
  ): Promise<CopyOutcome>;
  onIndexBuilt(): void;
}

type SplitEntry = NonNullable<ImportState['split']>[string];

/**
 * One split table's run. Secondary indexes are dropped once and committed before any part starts (a DROP
 * INDEX in a part's transaction would hold ACCESS EXCLUSIVE and stop its siblings); their definitions are
 * in the state file first, so a crash cannot lose them. They are rebuilt once, after every part committed.
 */
export class SplitLoad {
  rows = 0;
  bytes = 0;
  started = 0;
  /** Parts found committed by an earlier run. */
  resumedParts = 0;
  private committed = 0;
  private opened?: Promise<void>;

  constructor(
    readonly table: LoadTable,
    readonly parts: LoadPart[],
    private readonly ctx: SplitContext,
  ) {
    const { state } = ctx;
    state.split ??= {};
    const before = state.split[table.target];
    if (before && before.parts !== parts.length && (before.done.length || before.droppedIndexes.length)) {
      throw new ConvError(
        `${ctx.dir}/import_state.json: ${table.target} was being loaded in ${before.parts} parts, this run cuts it into ${parts.length}: cannot resume`,
        {
          code: 'import.state-mismatch',
          exit: ExitCode.usage,
          at: { table: table.target, file: ctx.dir },
          hint: 'Resume with the same --jobs and --split-min-mb as the interrupted run, or remove import_state.json to start again.',
        },
      );
    }
    if (!before || before.parts !== parts.length) {
      state.split[table.target] = { parts: parts.length, done: [], droppedIndexes: [] };
    }
  }

  private get entry(): SplitEntry {
    return this.ctx.state.split![this.table.target]!;
  }

  /** Drops the secondary indexes once, for every part (the first part to arrive does it). */
  open(session: Session): Promise<void> {
    this.opened ??= this.dropIndexes(session);
    return this.opened;
  }

  private async dropIndexes(session: Session): Promise<void> {
    this.started = Date.now();
    const { table, ctx } = this;
    if (!ctx.deferIndexes || table.owned === false) return;
    const existing = await deferrableIndexes(session.client, table.schema, table.target);
    if (!existing.length) return;
    const entry = this.entry;
    for (const index of existing) {
      if (!entry.droppedIndexes.some((d) => d.name === index.name)) entry.droppedIndexes.push(index);
    }
    // Recorded before the COMMIT: a crash right after it leaves the definitions in the file.
    await writeState(ctx.dir, ctx.state);
    await session.run('BEGIN');
    try {
      for (const index of existing) await session.run(dropIndex(index));
      await session.run('COMMIT');
    } catch (err) {
      await session.run('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** Loads one part in its own transaction; true when it was the last part to commit. */
  async loadPart(session: Session, part: LoadPart): Promise<boolean> {
    await this.open(session);
    const { table, ctx } = this;
    const entry = this.entry;
    let out: CopyOutcome | null = null;
    const recorded = entry.done.includes(part.index);
    if (recorded) {
      this.resumedParts++;
    } else {
      await session.run('BEGIN');
      try {
        const n = await rowsInRange(session, table, part);
        if (n > 0 && n === part.rows) {
          // Committed by a run that died before recording it.
          await session.run('ROLLBACK');
          this.resumedParts++;
        } else if (n !== 0) {
          throw new ConvError(
            `${table.schema}.${table.target} part ${part.index}/${part.of} holds ${n} rows while resuming (expected 0, or ${part.rows} if it had been committed): it changed outside the import`,
            {
              code: 'import.resume-conflict',
              exit: ExitCode.loadFailed,
              at: { table: table.target },
              hint: 'Remove import_state.json and run the load again from the beginning.',
            },
          );
        } else {
          out = await this.copyPart(session, part);
          await session.run('COMMIT');
        }
      } catch (err) {
        await session.run('ROLLBACK').catch(() => {});
        throw err;
      }
    }
    // Counted with no await since the COMMIT: exactly one part sees itself last.
    const last = ++this.committed === this.parts.length;
    // The table counts as one table in the progress, with its last range.
    if (out) ctx.progress.finish(partName(table, part), out.rows, out.bytes, last ? 1 : 0);
    if (!recorded) {
      entry.done.push(part.index);
      await writeState(ctx.dir, ctx.state);
    }
    return last;
  }

  private async copyPart(session: Session, part: LoadPart): Promise<CopyOutcome> {
    const { table, ctx } = this;
    const name = partName(table, part);
    const bytes = table.rows > 0 ? Math.floor((table.bytes * part.rows) / table.rows) : 0;
    session.artifacts.comment(
      `${copyFromStdin(table.schema, table.target, table.columns)}: rows streamed from MySQL table ${table.table}, key range ${part.index}/${part.of}`,
    );
    ctx.progress.start(name, { rows: part.rows, bytes });
    const out = await ctx.copy(
      session.client,
      table,
      (moved) => ctx.progress.update(name, bytes > 0 ? Math.floor((part.rows * moved) / bytes) : 0, moved),
      { freeze: false, stall: ctx.stall, part },
    );
    this.rows += out.rows;
    this.bytes += out.bytes;
    session.artifacts.info(
      `loaded ${table.schema}.${table.target} part ${part.index}/${part.of}: ${out.rows} rows, ${out.bytes} bytes in ${out.ms} ms`,
    );
    return out;
  }

  /** After the last part: the dropped indexes rebuilt (those not already back), in one transaction. */
  async close(session: Session): Promise<{ rebuilt: string[]; ms: number }> {
    const { table, ctx } = this;
    const entry = this.entry;
    const started = Date.now();
    const rebuilt: string[] = [];
    await session.run('BEGIN');
    try {
      for (const [i, index] of entry.droppedIndexes.entries()) {
        // Checks, not steps of the load: not in the import script.
        const present = await session.client.query<{ ok: boolean }>(
          'SELECT to_regclass($1) IS NOT NULL AS ok',
          [quotePgQualified(index.schema, index.name)],
        );
        if (present.rows[0]?.ok) continue;
        ctx.progress.phase?.(
          table.target,
          `index build ${i + 1}/${entry.droppedIndexes.length}: ${index.name}`,
        );
        await session.run(index.definition);
        rebuilt.push(index.name);
        ctx.onIndexBuilt();
      }
      if (ctx.replica) {
        for (const u of await deferrableUniques(session.client, table.schema, table.target)) {
          const sample = await session.run(duplicateQuery(table.schema, table.target, u));
          if (sample.length) throw duplicateError(table.schema, table.target, u, sample);
        }
      }
      await session.run('COMMIT');
    } catch (err) {
      await session.run('ROLLBACK').catch(() => {});
      throw err;
    }
    return { rebuilt, ms: Date.now() - started };
  }
}

function partName(table: LoadTable, part: LoadPart): string {
  return `${table.target} [${part.index}/${part.of}]`;
}

async function rowsInRange(session: Session, table: LoadTable, part: LoadPart): Promise<number> {
  const res = await session.client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${quotePgQualified(table.schema, table.target)} ${part.targetWhere.clause}`,
    part.targetWhere.values,
  );
  return Number(res.rows[0]?.n ?? 0);
}
