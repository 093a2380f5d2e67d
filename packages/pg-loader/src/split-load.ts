// A table loaded in key ranges (per-table mode): each part is its own COPY in its own transaction, on
// whichever connection takes it, so parts of one table load side by side.
import { ConvError, ExitCode, type ProgressReporter } from '@conv/core';
import type pg from 'pg';
import type { CopyOutcome } from './copy.js';
import type { LoadPart, LoadTable } from './load-plan.js';
import { committedBefore } from './resume.js';
import type { Session } from './session.js';
import { copyFromStdin } from './sql.js';
import { type ImportState, writeState } from './state.js';

/** What a split table's parts share with the rest of the per-table run. */
export interface SplitContext {
  dir: string;
  state: ImportState;
  stall: { ms: number; server: string };
  progress: ProgressReporter;
  copy(
    client: pg.ClientBase,
    table: LoadTable,
    onBytes: (bytes: number) => void,
    options: { freeze: boolean; stall: { ms: number; server: string }; part?: LoadPart },
  ): Promise<CopyOutcome>;
}

type SplitEntry = NonNullable<ImportState['split']>[string];

/**
 * One split table's run. Its indexes stay in place: every part commits on its own, so an index dropped
 * for the load would be gone from the target between the parts, and after a failed run, until the next
 * run of that same directory (measured: splitting is slower than whole tables on 2 cores anyway). A
 * duplicate in a unique index fails the part's own COPY, which rolls back alone.
 */
export class SplitLoad {
  rows = 0;
  bytes = 0;
  started = 0;
  /** Parts found committed by an earlier run. */
  resumedParts = 0;
  private committed = 0;

  constructor(
    readonly table: LoadTable,
    readonly parts: LoadPart[],
    private readonly ctx: SplitContext,
  ) {
    const { state } = ctx;
    state.split ??= {};
    const before = state.split[table.target];
    // The ranges are cut again from each run's snapshot: a committed part is only the same part when
    // its bounds are, or rows that moved across a bound would be skipped or loaded twice.
    const bounds = JSON.stringify(parts.map((p) => p.targetWhere.values));
    if (before?.done.length && before.bounds !== bounds) {
      const why =
        before.parts !== parts.length
          ? `was being loaded in ${before.parts} parts, this run cuts it into ${parts.length}`
          : 'was being loaded in key ranges that this run cuts at other keys (the source changed since)';
      throw splitStateMismatch(ctx.dir, table.target, why);
    }
    if (!before || before.bounds !== bounds) {
      state.split[table.target] = { parts: parts.length, bounds, done: [] };
    }
  }

  private get entry(): SplitEntry {
    return this.ctx.state.split![this.table.target]!;
  }

  /** Loads one part in its own transaction; true when it was the last part to commit. */
  async loadPart(session: Session, part: LoadPart): Promise<boolean> {
    this.started ||= Date.now();
    const { table, ctx } = this;
    const entry = this.entry;
    let out: CopyOutcome | null = null;
    const recorded = entry.done.includes(part.index);
    if (recorded) {
      this.resumedParts++;
    } else {
      await session.run('BEGIN');
      try {
        if (await committedBefore(session, table, part)) {
          // Committed by a run that died before recording it.
          await session.run('ROLLBACK');
          this.resumedParts++;
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
}

function partName(table: LoadTable, part: LoadPart): string {
  return `${table.target} [${part.index}/${part.of}]`;
}

/** A resume that would not load a half-loaded split table in the very ranges it was started in. */
export function splitStateMismatch(dir: string, target: string, why: string): ConvError {
  return new ConvError(`${dir}/import_state.json: ${target} ${why}: cannot resume`, {
    code: 'import.state-mismatch',
    exit: ExitCode.usage,
    at: { table: target, file: dir },
    hint: 'Resume with the same --jobs and --split-min-mb from an unchanged source, or remove import_state.json to start again.',
  });
}
