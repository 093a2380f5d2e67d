// `run`: the maintenance-window runbook. Every step leaves its event in the audit log, and a failure
// leaves the reason: check problems stop the run before anything is written.
import { dirname } from 'node:path';
import { ConvError, ExitCode, type Finding, serverOf } from '@conv/core';
import {
  type AuditEventInput,
  type AuditLog,
  type CheckReport,
  checkExitCode,
  failedLoadArtifacts,
  formatCheckReport,
  formatVerifyReport,
  newRunId,
  openAuditLog,
  readAuditLog,
  refuseOccupiedTarget,
  tableOk,
  type VerifyReport,
  verifyExitCode,
} from './deps.js';
import { toConvError } from './errors.js';
import { migrateInRun } from './migrate-command.js';
import { type ReportFiles, type StepSummary, writeRunReport } from './report.js';
import { composeReport, type RunSection, recordSection, serversOf, timelineOf } from './run-sections.js';
import {
  checkStep,
  exportStep,
  failureStatus,
  formatExport,
  formatImport,
  formatSkipped,
  importStep,
  loadArtifacts,
  planStep,
  type SkippedReport,
  type StepContext,
  skippedTables,
  verifyStep,
} from './steps.js';
import { TableGate } from './table-gate.js';

export interface RunResult {
  ok: boolean;
  exitCode: number;
  runId: string;
  auditLog: string;
  exportDir: string | null;
  /** The run report (HTML + Markdown) next to the export, or next to the audit log without one. */
  report: ReportFiles | null;
  skipped: SkippedReport[];
  check: CheckReport['counts'] | null;
  imported: { tables: number; rows: number; bytes: number; strategy: string } | null;
  verify: VerifyReport | null;
  /** As every command's `--json` error: the code, message, hint and where (table, column, file, server …). */
  error: { code: string; message: string; hint: string | null; location: Record<string, unknown> } | null;
}

/** An audit log bound to one run: every event carries the run id and the app. */
export class RunLog {
  /** Runs with an open story in this process: a second Ctrl-C closes them before exiting. */
  private static readonly active = new Set<RunLog>();
  /** The step under way (for the reason logged on an abrupt stop). */
  step: string | undefined;
  private closed = false;

  private constructor(
    private readonly log: AuditLog,
    readonly runId: string,
    private readonly app: string,
    private readonly redact: (text: string) => string,
    /** A run started earlier (`--run-id` / `CONV_RUN_ID`): this command adds steps to its story. */
    readonly joined: boolean,
    private readonly loadMode: string,
  ) {}

  /**
   * The run of this command: the one named by `--run-id` / `CONV_RUN_ID` (it must exist in the audit log
   * and belong to this app), else a new one.
   */
  static async open(ctx: StepContext): Promise<RunLog> {
    const log = openAuditLog({ file: ctx.config.auditLogFile });
    const given = ctx.runId;
    if (given) await assertKnownRun(ctx, given);
    const run = new RunLog(
      log,
      given ?? newRunId(),
      ctx.config.app,
      (t) => ctx.out.redact(t),
      Boolean(given),
      ctx.config.loadMode,
    );
    RunLog.active.add(run);
    return run;
  }

  async event(event: Omit<AuditEventInput, 'runId' | 'app'>): Promise<void> {
    const message = event.message === undefined ? {} : { message: this.redact(event.message) };
    await this.log.append({ ...event, ...message, runId: this.runId, app: this.app });
    if (event.status === 'completed' || event.status === 'failed' || event.status === 'rolled_back')
      this.closed = true;
  }

  /** The run's story is over in this process (the closing event is written by then). */
  async close(): Promise<void> {
    RunLog.active.delete(this);
  }

  /**
   * A second Ctrl-C: every run still open gets its closing event before the process exits — `rolled_back`
   * during a one-transaction load, import or migrate (PostgreSQL drops the open transaction), `failed` otherwise.
   */
  static async abandonAll(signal: string): Promise<void> {
    await Promise.all(
      [...RunLog.active].map(async (run) => {
        if (run.closed) return;
        const loading = run.step === 'import' || run.step === 'migrate';
        const rolledBack = loading && run.loadMode === 'single-transaction';
        await run
          .event({
            status: rolledBack ? 'rolled_back' : 'failed',
            ...(run.step ? { step: run.step } : {}),
            message: `interrupted at once by the operator (second ${signal})${run.step ? ` during ${run.step}` : ''}${rolledBack ? ': the load transaction was rolled back' : ''}`,
          })
          .catch(() => {});
      }),
    );
  }
}

/** Refuses a run id that the audit log does not know, or that belongs to another app. */
async function assertKnownRun(ctx: StepContext, runId: string): Promise<void> {
  const file = ctx.config.auditLogFile;
  const events = (await readAuditLog(file)).migration_runs.filter((e) => e.runId === runId);
  const hint = `start a run with \`${ctx.config.app} log started "…"\` and pass the id it prints (--run-id or CONV_RUN_ID), or leave both out for a new run`;
  if (events.length === 0)
    throw new ConvError(`unknown run id ${runId}: no event of it in ${file}`, {
      code: 'run.unknown-id',
      exit: ExitCode.usage,
      at: { file },
      hint,
    });
  const app = events.find((e) => e.app)?.app;
  if (app && app !== ctx.config.app)
    throw new ConvError(`run ${runId} belongs to ${app}, not ${ctx.config.app}`, {
      code: 'run.other-app',
      exit: ExitCode.usage,
      at: { file },
      hint: `continue it with \`${app}\`, or ${hint}`,
    });
}

/** Between steps: an operator's Ctrl-C ends the run here, with its reason in the audit log. */
function stopIfInterrupted(ctx: StepContext, next: string): void {
  if (!ctx.signal?.aborted) return;
  const loaded = next === 'verify';
  throw new ConvError(
    `interrupted by the operator before ${next}${loaded ? ': PostgreSQL is loaded but not verified' : ''}`,
    {
      code: 'process.interrupted',
      exit: ExitCode.interrupted,
      hint: loaded
        ? `run \`${ctx.config.app} verify\` to finish the proof, or \`${ctx.config.app} run\` to start over`
        : `run \`${ctx.config.app} run\` again when ready (the planned tables are truncated before loading)`,
    },
  );
}

/**
 * An error that ends a step the operator interrupted, as the interruption it is (exit 130); other errors,
 * and one that already says so, stay as they are. A step stopped by the signal often fails with its own
 * error first (an export's stream destroyed: `export.aborted`).
 */
export function asInterrupted(ctx: StepContext, step: string, err: ConvError, command = 'run'): ConvError {
  if (!ctx.signal?.aborted || err.code === 'process.interrupted') return err;
  return new ConvError(`interrupted by the operator during ${step}: ${err.message}`, {
    code: 'process.interrupted',
    exit: ExitCode.interrupted,
    at: err.location,
    hint: `run \`${ctx.config.app} ${command}\` again when ready`,
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const began = Date.now();
  const value = await fn();
  return [value, Date.now() - began];
}

/** What the report needs beyond the result: step times, check findings, import artifacts. */
interface RunRecord {
  startedAt: Date;
  steps: StepSummary[];
  findings: Finding[];
  artifacts: { label: string; path: string }[];
  /** How the audit log closed a run that stopped: the report says the same. */
  closedAs?: 'failed' | 'rolled_back';
}

/** `run`, then its report (written whatever the outcome; a failure to write it is only a warning). */
export async function runbook(ctx: StepContext): Promise<RunResult> {
  const rec: RunRecord = { startedAt: new Date(), steps: [], findings: [], artifacts: [] };
  const result = await runSteps(ctx, rec);
  const { config, out } = ctx;
  try {
    if (ctx.runId) {
      // A run started earlier: its steps join the run's sections, and the report is the whole run's.
      result.report = await recordRunSections(ctx, rec, result);
      return result;
    }
    // A run of its own: the same report, composed from the same sections, kept nowhere but in the report.
    const sections = { runId: result.runId, app: config.app, sections: runSections(ctx, rec, result) };
    result.report = await writeRunReport(result.exportDir ?? dirname(config.auditLogFile), {
      ...composeReport(sections, config.auditLogFile, false),
      status: result.ok
        ? 'completed'
        : result.error?.code === 'process.interrupted'
          ? 'interrupted'
          : (rec.closedAs ?? 'failed'),
    });
    out.info(`report: ${result.report.html} (and .md)`);
  } catch (err) {
    out.info(`warning: the run report could not be written: ${(err as Error).message}`);
  }
  return result;
}

/** `run`'s steps as report sections: check first (its findings), the load, verify last (and the files). */
function runSections(ctx: StepContext, rec: RunRecord, result: RunResult): RunSection[] {
  const { config, out } = ctx;
  const steps: (StepSummary | undefined)[] = rec.steps.length ? rec.steps : [undefined];
  return steps.map((summary, i) => {
    const lastOne = i === steps.length - 1;
    return {
      step: summary?.step ?? 'run',
      status: lastOne && !result.ok ? (rec.closedAs ?? 'failed') : 'in_progress',
      exitCode: lastOne ? result.exitCode : ExitCode.ok,
      startedAt: rec.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      ...serversOf(config),
      ...(summary ? { summary } : {}),
      ...(i === 0 ? { findings: rec.findings, checkCounts: result.check, skipped: result.skipped } : {}),
      ...(lastOne
        ? {
            timeline: timelineOf(out),
            verify: result.verify,
            artifacts: rec.artifacts,
            ...(result.exportDir ? { dir: result.exportDir } : {}),
            ...(result.error ? { error: { message: result.error.message, hint: result.error.hint } } : {}),
          }
        : {}),
    };
  });
}

/** A run started earlier (`--run-id`): `run`'s steps join its sections, and its report is the whole run's. */
async function recordRunSections(ctx: StepContext, rec: RunRecord, result: RunResult): Promise<ReportFiles> {
  let files: ReportFiles | null = null;
  for (const section of runSections(ctx, rec, result)) {
    files = await recordSection(ctx.config, result.runId, section);
  }
  ctx.out.info(`report of run ${result.runId}: ${files!.html} (and .md)`);
  return files!;
}

async function runSteps(ctx: StepContext, rec: RunRecord): Promise<RunResult> {
  const { config, out } = ctx;
  const log = await RunLog.open(ctx);
  const began = Date.now();
  const result: RunResult = {
    ok: false,
    exitCode: ExitCode.unexpected,
    runId: log.runId,
    auditLog: config.auditLogFile,
    exportDir: null,
    report: null,
    skipped: [],
    check: null,
    imported: null,
    verify: null,
    error: null,
  };
  const stop = async (status: 'failed' | 'rolled_back', err: ConvError): Promise<RunResult> => {
    const message = `${err.message}${err.hint ? ` — fix: ${err.hint}` : ''}`;
    await log.event({ status, message, durationMs: Date.now() - began });
    rec.closedAs = status;
    result.exitCode = err.exitCode;
    result.error = {
      code: err.code,
      message: out.redact(err.message),
      hint: err.hint ?? null,
      location: { ...err.location },
    };
    out.info(`run ${log.runId}: ${status}, reason logged in ${config.auditLogFile}`);
    return result;
  };

  await log.event({
    // Joined to a run started by `log started`: `run` is a step of that story.
    status: log.joined ? 'in_progress' : 'started',
    ...(log.joined ? { step: 'run' } : {}),
    message: `${config.app}: MySQL ${serverOf(config.mysqlUrl)}/${config.mysqlDatabase} → PostgreSQL ${serverOf(config.pgUrl)}/${config.pgDatabase} (schema ${config.pgSchema})`,
  });
  out.info(`run ${log.runId} ${log.joined ? 'continued' : 'started'}; audit log ${config.auditLogFile}`);
  let step = 'plan';
  log.step = step;
  try {
    const [planned, planMs] = await timed(() => planStep(ctx));
    const loadTables = planned.plan.tables.filter((t) => t.action === 'load').length;
    result.skipped = skippedTables(planned.plan);
    rec.steps.push({ step: 'plan', ms: planMs, tables: loadTables });
    await log.event({
      status: 'in_progress',
      step,
      tables: loadTables,
      durationMs: planMs,
      message: `plan: ${loadTables} tables to load, ${result.skipped.length} skipped (${result.skipped.map((s) => s.table).join(', ') || 'none'})`,
    });
    out.report(formatSkipped(result.skipped));

    step = 'check';

    log.step = step;
    stopIfInterrupted(ctx, step);
    const [report, checkMs] = await timed(() => checkStep(ctx, planned));
    result.check = report.counts;
    rec.steps.push({ step: 'check', ms: checkMs });
    rec.findings = report.findings;
    const blocking = checkExitCode(report) !== 0;
    // The full report when it blocks; otherwise the counts (warnings are for `check`, before the window).
    out.report(
      blocking
        ? formatCheckReport(report, { color: out.color })
        : `Check: ${report.counts.errors} errors, ${report.counts.warnings} warnings, ${report.counts.infos} notes — nothing blocks the load (details: \`${config.app} check\`)`,
    );
    if (blocking) {
      const first = report.findings.find((f) => f.severity === 'error');
      const where = first
        ? ` — first: ${first.table}${first.column ? `.${first.column}` : ''}: ${first.message}${first.samples[0] ? ` (key ${JSON.stringify(first.samples[0].key)})` : ''}`
        : '';
      return await stop(
        'failed',
        new ConvError(
          `check found ${report.counts.errors} blocking problem(s); nothing was written to PostgreSQL${where}`,
          {
            code: 'check.failed',
            exit: ExitCode.checkFailed,
            at: first ? { table: first.table, ...(first.column ? { column: first.column } : {}) } : {},
            hint: 'fix the source rows or add a profile transform (see the check report above), then run again',
          },
        ),
      );
    }
    await log.event({
      status: 'in_progress',
      step,
      durationMs: checkMs,
      message: `check: ${report.counts.errors} errors, ${report.counts.warnings} warnings, ${report.counts.infos} notes`,
    });

    // Rows already in the target are refused before the export, not after it (issue 16); with --replace
    // the loader counts (and reports) them itself.
    if (!config.replace) await refuseOccupiedTarget(config.pgUrl, planned.plan, false);

    let loaded: { dir: string; tables: number; rows: number; bytes: number };
    // Verification overlaps the load: each table's MySQL side is summarised while tables load, its
    // PostgreSQL side once committed (per table, or all at the COMMIT of the single transaction). It
    // still reads both databases itself: the proof stays independent of the load's data path.
    const gate = new TableGate();
    const perTable = config.loadMode === 'per-table';
    let verifying: Promise<VerifyReport> | undefined;
    const startVerify = () => {
      verifying = verifyStep(ctx, planned.plan, gate);
      verifying.catch(() => {}); // awaited below; a load failure rejects it on purpose
    };
    const loadFailed = async (error: unknown, left = failedLoadArtifacts(error)) => {
      gate.fail(error);
      await verifying?.catch(() => {}); // its connections are closed before the run stops
      // The failed load's directory, script and log stay for debugging: the report lists them.
      if (left) {
        result.exportDir ??= left.dir;
        rec.artifacts.push(...loadArtifacts(left));
      }
    };
    if (config.runVia === 'migrate') {
      step = 'migrate';
      log.step = step;
      stopIfInterrupted(ctx, step);
      startVerify();
      const [moved, migrateMs] = await timed(() =>
        migrateInRun(ctx, log, planned.plan, perTable ? (t) => gate.open(t) : undefined),
      );
      if ('error' in moved) {
        await loadFailed(moved.error, moved.left);
        return await stop(moved.status, asInterrupted(ctx, step, moved.error));
      }
      gate.openAll();
      result.exportDir = moved.dir;
      result.imported = {
        tables: moved.tables,
        rows: moved.rows,
        bytes: moved.bytes,
        strategy: moved.strategy,
      };
      rec.steps.push({
        step: 'migrate',
        ms: migrateMs,
        tables: moved.tables,
        rows: moved.rows,
        bytes: moved.bytes,
      });
      rec.artifacts.push(...loadArtifacts(moved));
      loaded = moved;
    } else {
      step = 'export';
      log.step = step;
      stopIfInterrupted(ctx, step);
      const [{ dir, manifest, notes }, exportMs] = await timed(() => exportStep(ctx, planned.plan));
      result.exportDir = dir;
      rec.steps.push({ step: 'export', ms: exportMs, ...manifest.totals });
      await log.event({
        status: 'in_progress',
        step,
        tables: manifest.totals.tables,
        rows: manifest.totals.rows,
        bytes: manifest.totals.bytes,
        durationMs: exportMs,
        message: `export: ${dir}`,
      });
      out.report(formatExport(dir, manifest, notes));

      step = 'import';
      log.step = step;
      stopIfInterrupted(ctx, step);
      let imported: Awaited<ReturnType<typeof importStep>>;
      let importMs: number;
      startVerify();
      try {
        [imported, importMs] = await timed(() =>
          importStep(ctx, dir, perTable ? { onTableLoaded: (t) => gate.open(t) } : {}),
        );
        gate.openAll();
      } catch (err) {
        await loadFailed(err);
        return await stop(failureStatus(err), asInterrupted(ctx, step, toConvError(err, config)));
      }
      const { tables, rows, bytes } = imported.result.totals;
      result.imported = { tables, rows, bytes, strategy: imported.result.strategy };
      rec.steps.push({ step: 'import', ms: importMs, tables, rows, bytes });
      rec.artifacts.push(...loadArtifacts(imported.result));
      await log.event({
        status: 'in_progress',
        step,
        tables,
        rows,
        bytes,
        durationMs: importMs,
        message: `import: FK strategy ${imported.result.strategy}, ${imported.result.sequences.length} sequences reset`,
      });
      out.report(formatImport(imported.result));
      loaded = { dir, tables, rows, bytes };
    }

    step = 'verify';
    log.step = step;
    if (ctx.signal?.aborted) await loadFailed(ctx.signal.reason); // the overlapping verify stops first
    stopIfInterrupted(ctx, step);
    // What is left of verify once the load is done (its MySQL side mostly ran during the load).
    const [verified, verifyMs] = await timed(() => verifying ?? verifyStep(ctx, planned.plan));
    result.verify = verified;
    rec.steps.push({
      step: 'verify',
      ms: verifyMs,
      tables: verified.tables.length,
      rows: verified.totals.sourceRows,
    });
    out.report(formatVerifyReport(verified, { color: out.color }));
    const differing = verified.tables.filter((t) => !tableOk(t));
    if (verifyExitCode(verified) !== 0) {
      return await stop(
        'failed',
        new ConvError(
          `verify found differences in ${differing.length} table(s): ${differing.map((t) => t.table).join(', ')}` +
            (verified.constraints?.length
              ? `; foreign keys missing or NOT VALID: ${verified.constraints.map((c) => `${c.table}.${c.constraint}`).join(', ')}`
              : ''),
          {
            code: 'verify.mismatch',
            exit: ExitCode.verifyMismatch,
            hint: 'see the verification report above; the MySQL source is untouched, so you can roll back by keeping it',
          },
        ),
      );
    }
    await log.event({
      status: 'in_progress',
      step,
      tables: verified.tables.length,
      durationMs: verifyMs,
      message: `verify (${verified.mode}): ${verified.tables.length} tables equal`,
    });

    // Part of a run started earlier (--run-id): its steps are done, the run is closed by `log completed`.
    await log.event({
      status: log.joined ? 'in_progress' : 'completed',
      ...(log.joined ? { step: 'run' } : {}),
      tables: loaded.tables,
      rows: loaded.rows,
      bytes: loaded.bytes,
      durationMs: Date.now() - began,
      message: `${log.joined ? 'run' : 'completed'}: ${loaded.tables} tables, ${loaded.rows} rows verified; export ${loaded.dir}`,
    });
    result.ok = true;
    result.exitCode = ExitCode.ok;
    const took = `${((Date.now() - began) / 1000).toFixed(1)} s`;
    out.info(
      log.joined
        ? `run ${log.runId}: every step done in ${took}; close the run with \`${config.app} log completed --run-id ${log.runId}\``
        : `run ${log.runId} completed in ${took}`,
    );
    return result;
  } catch (err) {
    const convErr = toConvError(err, config);
    const interrupted = asInterrupted(ctx, step, convErr);
    if (interrupted.code === 'process.interrupted') return await stop('failed', interrupted);
    return await stop(
      'failed',
      new ConvError(`${step}: ${convErr.message}`, {
        code: convErr.code,
        exit: convErr.exitCode,
        at: convErr.location,
        hint: convErr.hint,
        cause: err,
      }),
    );
  } finally {
    await log.close();
  }
}
