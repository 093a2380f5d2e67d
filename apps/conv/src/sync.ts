// `sync <dir>` and `cutover <dir>`: the binlog catch-up after an import, and the cut-over. The logic is in
// @conv/binlog-sync; this module parses, prints and logs.
import {
  type CutoverResult,
  formatPosition,
  runCutover,
  type SyncProgress,
  startSync,
} from '@conv/binlog-sync';
import { ExitCode, formatDuration } from '@conv/core';
import { readManifest } from '@conv/pg-loader';
import { formatVerifyReport } from '@conv/verify';
import type { Argv } from 'yargs';
import { toConvError } from './errors.js';
import { envelope } from './result-schema.js';
import { asInterrupted, RunLog } from './runbook.js';
import { failureStatus, type StepContext } from './steps.js';

export interface SyncArgs {
  dir?: string;
  setReadOnly?: boolean;
  untilCaughtUp?: boolean;
  serverId?: number;
  verify?: boolean;
  reverify?: boolean;
  resumeBy?: 'auto' | 'position' | 'gtid';
  maxQueued?: number;
}

/** The two commands for the yargs chain; `options` adds the shared connection/log/verify flags. */
export function syncCommands(
  y: Argv,
  options: (y: Argv) => Argv,
  choose: (cmd: 'sync' | 'cutover', a: SyncArgs) => void,
): Argv {
  const common = (c: Argv) =>
    options(c)
      .positional('dir', {
        type: 'string',
        describe: 'the imported export directory (its manifest holds the snapshot position)',
      })
      .option('server-id', {
        type: 'number',
        describe:
          'replica server id for the binlog connection (default random; must be unique among the source replicas)',
      });
  return y
    .command(
      'sync <dir>',
      'after import: follow the source binlog and apply every change to PostgreSQL until stopped (Ctrl-C)',
      (c) =>
        common(c)
          .option('until-caught-up', {
            type: 'boolean',
            describe: "stop once the source's position at start is applied",
          })
          .option('verify', {
            type: 'boolean',
            default: true,
            describe:
              'once caught up, verify every table (counts + checksums) in the background while the sync goes on, so the cut-over compares only the rows changed since (--no-verify: skip)',
          })
          .option('reverify', {
            type: 'boolean',
            describe:
              'run the background verify again even though one of this snapshot finished ok (the cut-over then compares the rows changed since the new one)',
          })
          .option('resume-by', {
            choices: ['auto', 'position', 'gtid'] as const,
            describe:
              'resume from the stored file+position, or the stored GTID (auto, the default: GTID when the stored binlog file is gone, e.g. after a fail-over)',
          })
          .option('max-queued', {
            type: 'number',
            describe:
              'row changes read ahead of the apply before the binlog socket is paused (default 20000)',
          })
          .example(
            '$0 sync csv_exports/app/20250101_120000',
            'keep PostgreSQL up to date while the application still writes to MySQL',
          )
          .epilogue(
            'Needs on the source: log_bin, binlog_format=ROW, binlog_row_image=FULL, REPLICATION SLAVE and REPLICATION CLIENT (MariaDB: BINLOG MONITOR). The position is stored in PostgreSQL (conv_sync_position) with the changes: run it again to resume.',
          ),
      (a) => choose('sync', a as SyncArgs),
    )
    .command(
      'cutover <dir>',
      'with the application stopped: drain the binlog to its final position, verify, reset sequences, log completed',
      (c) =>
        common(c)
          .option('set-read-only', {
            type: 'boolean',
            describe:
              'make the source read-only first (MariaDB: READ_ONLY ADMIN or SUPER; MySQL: SYSTEM_VARIABLES_ADMIN)',
          })
          .example('$0 cutover csv_exports/app/20250101_120000', 'after stopping the application')
          .epilogue(
            'Exit 0 when every table is equal, 4 when verify finds a difference (do not switch then).',
          ),
      (a) => choose('cutover', a as SyncArgs),
    );
}

function lagLine(p: SyncProgress): string {
  return `sync: ${p.appliedEvents} change(s) in ${p.appliedTransactions} transaction(s) applied, at ${formatPosition(p.position)}; lag ${p.queuedEvents} change(s), ${p.secondsBehind.toFixed(1)} s`;
}

function throttled(ctx: StepContext, everyMs = 2000): (p: SyncProgress) => void {
  let last = 0;
  return (p) => {
    if (Date.now() - last < everyMs) return;
    last = Date.now();
    ctx.out.info(lagLine(p));
  };
}

/**
 * sync and cutover in the audit log: a run of their own, or steps of a run started earlier (`--run-id`),
 * as every command is. Their last event is theirs to write (a cut-over completes the run).
 */
async function logged<T>(ctx: StepContext, step: string, body: (log: RunLog) => Promise<T>): Promise<T> {
  const log = await RunLog.open(ctx);
  const began = Date.now();
  await log.event({
    status: log.joined ? 'in_progress' : 'started',
    step,
    message: `${ctx.config.app} ${step}`,
  });
  try {
    return await body(log);
  } catch (err) {
    const convErr = asInterrupted(ctx, step, toConvError(err, ctx.config), step);
    await log.event({
      status: failureStatus(err),
      step,
      message: convErr.message,
      durationMs: Date.now() - began,
    });
    throw convErr;
  } finally {
    await log.close();
  }
}

export async function syncCommand(ctx: StepContext, args: SyncArgs): Promise<number> {
  const manifest = await readManifest(args.dir as string);
  return logged(ctx, 'sync', async (log) => {
    const handle = await startSync({
      mysqlUrl: ctx.config.mysqlUrl,
      pgUrl: ctx.config.pgUrl,
      manifest,
      ...(args.untilCaughtUp ? { until: 'caught-up' as const } : {}),
      ...(args.serverId ? { serverId: args.serverId } : {}),
      ...(args.resumeBy ? { resumeBy: args.resumeBy } : {}),
      ...(args.maxQueued ? { maxQueuedEvents: args.maxQueued } : {}),
      verify: args.verify === false ? false : args.reverify ? 'again' : true,
      onProgress: throttled(ctx),
      log: (line) => ctx.out.info(`sync: ${line}`),
    });
    const onAbort = () => handle.stop();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    const r = await handle.done.finally(() => ctx.signal?.removeEventListener('abort', onAbort));
    const text = `applied ${r.appliedEvents} change(s) in ${r.appliedTransactions} transaction(s), binlog ${formatPosition(r.start)} → ${formatPosition(r.position)}${r.gtid ? ` (GTID ${r.gtid})` : ''} in ${formatDuration(r.durationMs)}`;
    const verified = r.verify
      ? `\n  background verify ${r.verify.point.status}: ${r.verify.point.summary ?? ''}`
      : '';
    await log.event({
      // A sync is a step of the migration: in a run started earlier, `cutover` or `log` closes it.
      status: log.joined ? 'in_progress' : 'completed',
      step: 'sync',
      rows: r.appliedEvents,
      durationMs: r.durationMs,
      message: text,
    });
    ctx.out.report(
      `Sync ${r.reason === 'reached' ? 'caught up' : 'stopped'}: ${text}${verified}\n  resume with the same command; cut over with \`${ctx.config.app} cutover ${args.dir}\``,
    );
    const { verify, ...rest } = r;
    ctx.out.result({
      ...envelope('sync', 0),
      ...rest,
      verify: verify ? { status: verify.point.status, summary: verify.point.summary, ms: verify.ms } : null,
    });
    return ExitCode.ok;
  });
}

function formatCutover(r: CutoverResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    `Cut-over: every table equal at binlog ${formatPosition(r.finalPosition)}`,
    `  drained:          ${r.sync.appliedEvents} change(s) in ${s(r.timings.drainMs)}`,
    `  verified in:      ${s(r.timings.verifyMs)}${r.verifiedKeys !== null ? ` (${r.verifiedKeys} row key(s) changed since the background verify, compared on both sides)` : ' (every table)'}`,
    `  sequences reset:  ${r.sequences.length} in ${s(r.timings.sequencesMs)}`,
    `  writes stopped for ${s(r.timings.writesStoppedMs)} (from ${r.readOnlyUndo ? 'read_only set' : 'the start of cutover'} to verified)`,
    ...(r.readOnlyUndo ? [`  the source is still read-only (undo: ${r.readOnlyUndo})`] : []),
    '  → point the application at PostgreSQL now',
  ].join('\n');
}

export async function cutoverCommand(ctx: StepContext, args: SyncArgs): Promise<number> {
  const manifest = await readManifest(args.dir as string);
  return logged(ctx, 'cutover', async (log) => {
    let result: CutoverResult;
    try {
      result = await runCutover({
        mysqlUrl: ctx.config.mysqlUrl,
        pgUrl: ctx.config.pgUrl,
        manifest,
        // Not given: compare only the changed rows when the sync's background verify finished ok.
        verifyMode: ctx.config.origins['verifyMode'] === 'default' ? 'auto' : ctx.config.verifyMode,
        ...(args.setReadOnly ? { setReadOnly: true } : {}),
        ...(args.serverId ? { serverId: args.serverId } : {}),
        onProgress: throttled(ctx),
        log: (line) => ctx.out.info(`cutover: ${line}`),
      });
    } catch (err) {
      const partial = (err as { result?: CutoverResult }).result;
      if (partial) ctx.out.report(formatVerifyReport(partial.verify, { color: ctx.out.color }));
      throw err;
    }
    const t = result.timings;
    await log.event({
      status: 'completed',
      step: 'cutover',
      rows: result.sync.appliedEvents,
      tables: result.verify.tables.length,
      durationMs: t.writesStoppedMs,
      message: `cut-over at binlog ${formatPosition(result.finalPosition)}: writes stopped ${t.writesStoppedMs} ms (drain ${t.drainMs} ms, verify ${t.verifyMs} ms, sequences ${t.sequencesMs} ms), every table equal`,
    });
    ctx.out.report(formatVerifyReport(result.verify, { color: ctx.out.color }));
    ctx.out.report(formatCutover(result));
    ctx.out.result({ ...envelope('cutover', 0), ...result });
    return ExitCode.ok;
  });
}
