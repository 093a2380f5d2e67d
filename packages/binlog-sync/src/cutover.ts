import { ConvError, ExitCode, type ProgressReporter } from '@conv/core';
import { connectPg } from '@conv/dialect/postgres';
import { resetTableSequences } from '@conv/pg-loader';
import { type VerifyMode, type VerifyReport, verifyExitCode, verifyMigration } from '@conv/verify';
import { type BinlogPosition, formatPosition } from './position.js';
import { currentBinlogPosition, setSourceReadOnly } from './source.js';
import { type SyncOptions, type SyncResult, startSync } from './sync.js';

export interface CutoverOptions extends Omit<SyncOptions, 'until'> {
  /** Make the source refuse writes first (needs READ_ONLY ADMIN / SUPER on MariaDB, SYSTEM_VARIABLES_ADMIN on MySQL). */
  setReadOnly?: boolean;
  /** Verification after the drain (default `full`: counts and checksums of every table). */
  verifyMode?: VerifyMode;
  verifyProgress?: ProgressReporter;
}

export interface CutoverResult {
  /** The source's binlog position once writes stopped: everything up to it is in PostgreSQL. */
  finalPosition: BinlogPosition;
  sync: SyncResult;
  verify: VerifyReport;
  sequences: { sequence: string; value: string }[];
  /** Set when conv made the source read-only: the statement that undoes it. */
  readOnlyUndo: string | null;
  timings: {
    /** From "writes stopped" (command start, or read_only set) to verified and sequences reset. */
    writesStoppedMs: number;
    drainMs: number;
    verifyMs: number;
    sequencesMs: number;
  };
}

/**
 * The cut-over: with the application's writes stopped (by the operator, or `setReadOnly`), reads the
 * source's final binlog position, applies everything up to it, verifies every table (counts + checksums),
 * resets the sequences. Throws ConvError exit 4 when verify finds a difference (the result is attached).
 */
export async function runCutover(options: CutoverOptions): Promise<CutoverResult> {
  const log = options.log ?? (() => {});
  let stoppedAt = Date.now();
  const handle = await startSync(options);
  let readOnlyUndo: string | null = null;
  let finalPosition: BinlogPosition;
  try {
    if (options.setReadOnly) {
      readOnlyUndo = await setSourceReadOnly(handle.mysql, handle.flavor);
      stoppedAt = Date.now();
      log('source set read-only');
    }
    finalPosition = await currentBinlogPosition(handle.mysql);
    log(`final source position ${formatPosition(finalPosition)}: draining`);
    handle.stopAt(finalPosition);
  } catch (err) {
    handle.stop();
    await handle.done.catch(() => {});
    throw err;
  }
  const drainStart = Date.now();
  const sync = await handle.done;
  const drainMs = Date.now() - drainStart;
  log(`drained ${sync.appliedEvents} change(s) in ${(drainMs / 1000).toFixed(1)}s: verifying`);

  const v0 = Date.now();
  const verify = await verifyMigration({
    mysqlUrl: options.mysqlUrl,
    pgUrl: options.pgUrl,
    plan: options.manifest.plan,
    mode: options.verifyMode ?? 'full',
    ...(options.verifyProgress ? { progress: options.verifyProgress } : {}),
  });
  const verifyMs = Date.now() - v0;

  const s0 = Date.now();
  let sequences: CutoverResult['sequences'] = [];
  if (verifyExitCode(verify) === ExitCode.ok) {
    const client = await connectPg(options.pgUrl, { application: 'conv cutover', code: 'sync.connect' });
    try {
      const loaded = options.manifest.plan.tables.filter((t) => t.action === 'load').map((t) => t.target);
      sequences = await resetTableSequences(client, options.manifest.plan.target.schema, loaded);
    } finally {
      await client.end().catch(() => {});
    }
  }
  const sequencesMs = Date.now() - s0;
  const result: CutoverResult = {
    finalPosition,
    sync,
    verify,
    sequences,
    readOnlyUndo,
    timings: { writesStoppedMs: Date.now() - stoppedAt, drainMs, verifyMs, sequencesMs },
  };
  if (verifyExitCode(verify) !== ExitCode.ok) {
    const err = new ConvError(
      'cut-over stopped: verify found a difference between MySQL and PostgreSQL after the drain (the report lists the rows); the source is the reference — do not switch the application',
      'cutover.verify',
      ExitCode.verifyMismatch,
      {},
      readOnlyUndo ? `the source is still read-only: undo with ${readOnlyUndo}` : undefined,
    );
    (err as ConvError & { result?: CutoverResult }).result = result;
    throw err;
  }
  return result;
}
