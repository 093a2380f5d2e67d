import { ConvError, ExitCode, type ProgressReporter } from '@conv/core';
import { connectMysql } from '@conv/dialect/mysql';
import { connectPg } from '@conv/dialect/postgres';
import { resetTableSequences } from '@conv/pg-loader';
import {
  type VerifyMode,
  type VerifyReport,
  verifyExitCode,
  verifyKeys,
  verifyMigration,
} from '@conv/verify';
import pg from 'pg';
import { cascadeDifferences } from './fk-actions.js';
import { groupKeys } from './keys.js';
import { type BinlogPosition, formatPosition } from './position.js';
import { currentBinlogPosition, setSourceReadOnly } from './source.js';
import { changedKeysSince, readVerifyPoint } from './state.js';
import { type SyncOptions, type SyncResult, snapshotKey, sourceKey, startSync } from './sync.js';

export interface CutoverOptions extends Omit<SyncOptions, 'until'> {
  /** Make the source refuse writes first (needs READ_ONLY ADMIN / SUPER on MariaDB, SYSTEM_VARIABLES_ADMIN on MySQL). */
  setReadOnly?: boolean;
  /**
   * Verification after the drain. `auto` (default): when a background verify of this snapshot finished
   * `ok` during the sync, only the rows changed since it began (and those it saw differ) are compared, row
   * by row on both sides (`keys`); else `full`. `keys` insists on that (error without one); `full`,
   * `counts`, `sample` verify every table inside the window.
   */
  verifyMode?: VerifyMode | 'auto';
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
  /** `keys`: rows compared (changed since the background verify, and deferred by it). */
  verifiedKeys: number | null;
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
  const keys = await keysToVerify(options, log);
  const verify = keys
    ? await verifyKeys({
        mysqlUrl: options.mysqlUrl,
        pgUrl: options.pgUrl,
        plan: options.manifest.plan,
        keys: keys.tables,
      })
    : await verifyMigration({
        mysqlUrl: options.mysqlUrl,
        pgUrl: options.pgUrl,
        plan: options.manifest.plan,
        mode: options.verifyMode === 'auto' || !options.verifyMode ? 'full' : options.verifyMode,
        ...(options.verifyProgress ? { progress: options.verifyProgress } : {}),
      });
  const verifyMs = Date.now() - v0;

  const s0 = Date.now();
  let sequences: CutoverResult['sequences'] = [];
  if (verifyExitCode(verify) === ExitCode.ok) {
    const client = await connectPg(options.pgUrl, { application: 'conv cutover' });
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
    verifiedKeys: keys ? keys.count : null,
  };
  if (verifyExitCode(verify) !== ExitCode.ok) {
    const err = new ConvError(
      'cut-over stopped: verify found a difference between MySQL and PostgreSQL after the drain (the report lists the rows); the source is the reference — do not switch the application',
      {
        code: 'verify.mismatch',
        exit: ExitCode.verifyMismatch,
        hint: readOnlyUndo ? `the source is still read-only: undo with ${readOnlyUndo}` : undefined,
      },
    );
    (err as ConvError & { result?: CutoverResult }).result = result;
    throw err;
  }
  return result;
}

/**
 * The keys the cut-over compares when a background verify of this snapshot finished `ok`: every key
 * applied after its reference point (recorded with the changes, the drain's included) and the rows it saw
 * differ. Null: verify every table instead.
 */
async function keysToVerify(
  options: CutoverOptions,
  log: (line: string) => void,
): Promise<{ tables: ReturnType<typeof groupKeys>; count: number } | null> {
  const mode = options.verifyMode ?? 'auto';
  if (mode !== 'auto' && mode !== 'keys') return null;
  const schema = options.manifest.plan.target.schema;
  const source = sourceKey(options.manifest);
  const client = new pg.Client({ connectionString: options.pgUrl, application_name: 'conv cutover' });
  await client.connect();
  try {
    // One snapshot for the point and its keys: a settle round moving both at once is seen whole or not at all.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const point = await readVerifyPoint(client, schema, source);
    const usable = point && point.snapshot === snapshotKey(options.manifest) && point.status === 'ok';
    if (!usable) {
      const why =
        !point || point.snapshot !== snapshotKey(options.manifest)
          ? 'no background verify of this snapshot (run sync with --verify until it reports ok)'
          : `the background verify is ${point.status}${point.summary ? ` (${point.summary})` : ''}`;
      if (mode === 'keys') {
        throw new ConvError(`cannot verify only the changed rows: ${why}`, {
          code: 'cutover.no-background-verify',
          exit: ExitCode.usage,
          hint: 'run `sync --verify` until its verify reports ok, or cut over with --verify-mode full',
        });
      }
      log(`${why}: verifying every table inside the window`);
      return null;
    }
    const my = await connectMysql(options.mysqlUrl, options.manifest.source.database);
    const cascades = await cascadeDifferences(my, client, options.manifest.plan).finally(() =>
      my.end().catch(() => {}),
    );
    if (cascades.length) {
      const why = `foreign-key actions differ between the two sides (${cascades.join('; ')}): rows changed by a cascade carry no key of their own`;
      if (mode === 'keys')
        throw new ConvError(`cannot verify only the changed rows: ${why}`, {
          code: 'cutover.cascades',
          exit: ExitCode.usage,
        });
      log(`${why}: verifying every table inside the window`);
      return null;
    }
    const changed = await changedKeysSince(client, schema, source, point.tag);
    await client.query('COMMIT');
    const tables = groupKeys([...point.deferred, ...changed], options.manifest.plan);
    const count = tables.reduce((n, t) => n + Math.max(t.source.length, t.target.length), 0);
    log(
      `background verify ok at ${point.tag} changes: comparing ${count} changed row key(s) (${point.deferred.length} deferred by it)`,
    );
    return { tables, count };
  } finally {
    await client.end().catch(() => {});
  }
}
