// `migrate`: MySQL straight into PostgreSQL (no files, or the export directory too with --keep-csv), with
// everything `import` guarantees. The logic lives in @conv/migrate; this is its command line.
import type { ConvError } from '@conv/core';
import { ExitCode, type MigrationPlan } from '@conv/core';
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_SPLIT_MIN_MB, failedLoadArtifacts, type MigrateResult, migrate } from './deps.js';
import { toConvError } from './errors.js';
import type { RunSection } from './run-sections.js';
import type { RunLog } from './runbook.js';
import {
  approxBytesOf,
  failureStatus,
  formatImport,
  formatSkipped,
  loadArtifacts,
  loadSettings,
  planStep,
  type StepContext,
  skippedTables,
} from './steps.js';

interface MigrateArgs {
  keepCsv?: boolean;
  splitMinMb?: number;
  tables?: string[];
  /** A table is loaded (committed, in per-table mode). */
  onTableLoaded?: (target: string) => void;
}

/** The yargs command (registered in cli.ts with one line). */
export function migrateCommand(handler: (args: unknown) => void, base: (y: Argv) => Argv): CommandModule {
  return {
    command: 'migrate',
    describe: 'stream every planned table from MySQL into PostgreSQL (COPY), one snapshot, no files needed',
    builder: (y: Argv) =>
      base(y)
        .option('keep-csv', { type: 'boolean', describe: 'also write the export directory + manifest' })
        .option('tables', { type: 'string', array: true, describe: 'load only these tables' })
        .option('split-min-mb', {
          type: 'number',
          describe:
            'per-table mode: a table estimated above this many MB and above total/--jobs is loaded in primary-key ranges at once',
          default: DEFAULT_SPLIT_MIN_MB,
        })
        .check((a) => {
          const mb = a['split-min-mb'];
          if (mb !== undefined && !(typeof mb === 'number' && Number.isFinite(mb) && mb >= 0))
            throw new Error(`--split-min-mb wants a number of MB, 0 or more (got ${String(mb)})`);
          return true;
        })
        .example('$0 migrate', 'the whole load, atomic, from the settings in .env')
        .example(
          '$0 migrate --keep-csv --load-mode per-table --jobs 2',
          'resumable, two tables at once, CSV kept',
        )
        .epilogue(
          '--jobs sizes the MySQL snapshot connections and, with --load-mode per-table, the PostgreSQL ones (one ' +
            'transaction cannot span connections: single-transaction loads on one). In per-table mode a table larger ' +
            'than its share (total/--jobs, and --split-min-mb) is cut into primary-key ranges loaded side by side. ' +
            'Exit 6 when a row was rejected.',
        ),
    handler,
  };
}

export async function migrateStep(
  ctx: StepContext,
  args: MigrateArgs,
  planned?: MigrationPlan,
): Promise<{ plan: MigrationPlan; result: MigrateResult }> {
  const plan = planned ?? (await planStep(ctx)).plan;
  const progress = ctx.out.progress('migrate', { bytes: approxBytesOf(plan), tables: plan.tables.length });
  try {
    const result = await migrate({
      ...loadSettings(ctx.config),
      mysqlUrl: ctx.config.mysqlUrl,
      plan,
      outDir: ctx.config.exportBaseDir,
      app: ctx.config.app,
      progress,
      ...(args.keepCsv ? { keepCsv: true } : {}),
      ...(args.splitMinMb !== undefined ? { splitMinMb: args.splitMinMb } : {}),
      ...(args.tables ? { tables: args.tables } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(args.onTableLoaded ? { onTableLoaded: args.onTableLoaded } : {}),
    });
    return { plan, result };
  } finally {
    progress.close();
  }
}

export function formatMigrate(result: MigrateResult): string {
  const s = result.snapshot;
  const lines = [
    formatImport(result).replace(/^Imported/, 'Migrated'),
    `  snapshot:  ${s.consistent ? 'consistent' : 'NOT consistent'} over ${s.connections} connection(s)${s.binlogFile ? `, binlog ${s.binlogFile}:${s.binlogPosition}` : ''}${s.gtid ? `, gtid ${s.gtid}` : ''}`,
    `  directory: ${result.dir}${result.manifest ? ' (CSV files + manifest kept)' : ''}`,
  ];
  for (const d of result.split)
    lines.push(
      `  ${d.parts > 1 ? `split into ${d.parts} key ranges` : 'loaded whole'}: ${d.table} (${d.reason})`,
    );
  for (const d of result.deferredIndexes)
    lines.push(`  indexes rebuilt after the load: ${d.table} (${d.indexes.join(', ')}) in ${d.ms} ms`);
  for (const n of result.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** The command: a run of its own in the audit log (like import), rolled back in one transaction. */
export async function runMigrate(
  ctx: StepContext,
  args: MigrateArgs,
  single: (
    ctx: StepContext,
    step: string,
    body: (log: RunLog) => Promise<{ code: number; message: string; section?: Partial<RunSection> }>,
  ) => Promise<number>,
): Promise<number> {
  return single(ctx, 'migrate', async (log) => {
    const began = Date.now();
    // A failure is logged by `single` (rolled_back or failed: failureStatus).
    const { plan, result } = await migrateStep(ctx, args);
    await log.event({
      status: 'in_progress',
      step: 'migrate',
      ...result.totals,
      durationMs: Date.now() - began,
      message: `migrate into PostgreSQL: FK strategy ${result.strategy}; run directory ${result.dir}`,
    });
    const skipped = skippedTables(plan);
    ctx.out.report(formatMigrate(result));
    ctx.out.report(formatSkipped(skipped));
    ctx.out.result({ ok: true, runId: log.runId, exitCode: 0, ...result });
    // In a run started earlier (--run-id), the run's report gets this step like export's and import's.
    return {
      code: ExitCode.ok,
      message: `migrated ${result.totals.tables} tables, ${result.totals.rows} rows`,
      section: {
        dir: result.dir,
        summary: { step: 'migrate', ms: Date.now() - began, ...result.totals },
        skipped,
        artifacts: loadArtifacts(result),
      },
    };
  });
}

/**
 * `run --via migrate`: the export and import steps in one stream, the export directory kept (the tee), so
 * everything `run` promises stays: check before any write, the export directory + manifest, the import
 * script and log, the audit events, then verify (which reads both databases itself).
 */
export async function migrateInRun(
  ctx: StepContext,
  log: RunLog,
  plan: MigrationPlan,
  onTableLoaded?: (target: string) => void,
): Promise<
  | {
      dir: string;
      tables: number;
      rows: number;
      bytes: number;
      strategy: string;
      scriptFile: string;
      logFile: string;
    }
  | { error: ConvError; status: 'rolled_back' | 'failed'; left: ReturnType<typeof failedLoadArtifacts> }
> {
  const began = Date.now();
  let result: MigrateResult;
  try {
    ({ result } = await migrateStep(
      ctx,
      { keepCsv: true, ...(onTableLoaded ? { onTableLoaded } : {}) },
      plan,
    ));
  } catch (err) {
    return {
      error: toConvError(err, ctx.config),
      status: failureStatus(err),
      left: failedLoadArtifacts(err),
    };
  }
  const { tables, rows, bytes } = result.totals;
  await log.event({
    status: 'in_progress',
    step: 'migrate',
    tables,
    rows,
    bytes,
    durationMs: Date.now() - began,
    message: `migrate: FK strategy ${result.strategy}, ${result.sequences.length} sequences reset; export ${result.dir}`,
  });
  ctx.out.report(formatMigrate(result));
  return {
    dir: result.dir,
    tables,
    rows,
    bytes,
    strategy: result.strategy,
    scriptFile: result.scriptFile,
    logFile: result.logFile,
  };
}
