// The command line: yargs parses, the commands run the steps, every error becomes a message, a fix and
// an exit code (ExitCode in @conv/core). Nothing here calls process.exit: bin.ts does, with our result.
import {
  CONV_VERSION,
  ConvError,
  type ErrorCode,
  ExitCode,
  type ProfileInput,
  ProfileSchema,
} from '@conv/core';
import yargs, { type Argv } from 'yargs';
import {
  type ConfigFlags,
  describeConfig,
  type Env,
  FK_STRATEGIES,
  LOAD_MODES,
  loadConfig,
  RUN_VIAS,
  TRIGGER_MODES,
  VERIFY_MODES,
} from './config.js';
import {
  checkExitCode,
  formatCheckReport,
  formatPlan,
  formatVerifyReport,
  type RunStatus,
  readManifest,
  tableOk,
  verifyExitCode,
} from './deps.js';
import { formatError, toConvError } from './errors.js';
import { migrateCommand, runMigrate } from './migrate-command.js';
import { type CliIo, Output } from './output.js';
import { processIo } from './process-io.js';
import { resolveCliProfile } from './profile-file.js';
import { noteSection, type RunSection, serversOf, timelineOf } from './run-sections.js';
import { asInterrupted, RunLog, runbook } from './runbook.js';
import { formatShow, showPayload } from './show.js';
import {
  checkStep,
  exportStep,
  failureStatus,
  formatExport,
  formatImport,
  formatSkipped,
  importSkipped,
  importStep,
  loadArtifacts,
  planStep,
  type StepContext,
  skippedTables,
  verifyStep,
} from './steps.js';
import { cutoverCommand, type SyncArgs, syncCommand, syncCommands } from './sync.js';
import { whereLine } from './where.js';

/** An app over the generic commands: its name, its default database, its profile (data only). */
export interface CliOptions {
  /** Program name (`conv`, `alkemio`, `kratos`): help text, export sub-directory, audit events, env prefix. */
  name: string;
  profile?: ProfileInput;
  /** Database on both sides when no flag/variable names one (Alkemio: `alkemio`). */
  database?: string;
  /** Environment to read (default process.env). */
  env?: Env;
  /** Directory relative paths are resolved against (default process.cwd()). */
  cwd?: string;
  /** Where to print (default process.stdout / process.stderr). */
  io?: CliIo;
  /** Aborts the export, and `run` before its next step (the executables wire SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

const RUN_STATUSES: RunStatus[] = ['started', 'in_progress', 'completed', 'rolled_back', 'failed'];

type Command =
  | 'check'
  | 'plan'
  | 'export'
  | 'import'
  | 'migrate'
  | 'verify'
  | 'log'
  | 'run'
  | 'show'
  | 'sync'
  | 'cutover';

interface Parsed extends ConfigFlags {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  dir?: string;
  status?: RunStatus;
  message?: string;
  runId?: string;
  step?: string;
  out?: string;
  planFrom?: string;
  includeHistory?: boolean;
  tables?: string[];
  profile?: string;
}

function connectionOptions(y: Argv): Argv {
  return y
    .option('mysql-url', {
      type: 'string',
      describe: 'source, e.g. mysql://USER:PASSWORD@HOST:3306/DB (else MYSQL_HOST/PORT/USER/PASSWORD)',
      group: 'Connections:',
    })
    .option('pg-url', {
      type: 'string',
      describe: 'target, e.g. postgres://USER:PASSWORD@HOST:5432/DB (else POSTGRES_HOST/PORT/USER/PASSWORD)',
      group: 'Connections:',
    })
    .option('mysql-database', { type: 'string', describe: 'source database name', group: 'Connections:' })
    .option('pg-database', { type: 'string', describe: 'target database name', group: 'Connections:' })
    .option('pg-schema', {
      type: 'string',
      describe: 'target schema (default public)',
      group: 'Connections:',
    })
    .option('env-file', {
      type: 'string',
      describe: '.env file to read (default ./.env when present; never copied into the environment)',
      group: 'Connections:',
    })
    .option('profile', {
      type: 'string',
      describe: 'JSON file of profile fields (renames, exclude, transforms…) over the built-in profile',
      group: 'Connections:',
    });
}

function exportOptions(y: Argv): Argv {
  return y
    .option('out-dir', {
      type: 'string',
      describe: 'base directory of exports (CSV_EXPORT_BASE_DIR, default ./csv_exports)',
    })
    .option('jobs', {
      type: 'number',
      describe:
        'parallel connections: MySQL for check and the export, PostgreSQL for per-table loads (default 2)',
    });
}

function importOptions(y: Argv): Argv {
  return y
    .option('fk-strategy', {
      choices: FK_STRATEGIES,
      describe: 'how foreign keys are handled during the load (default auto: the best the role allows)',
    })
    .option('load-mode', {
      choices: LOAD_MODES,
      describe: 'one transaction for everything (default), or one per table',
    })
    .option('replace', {
      type: 'boolean',
      describe: 'load even when planned target tables already hold rows (they are replaced and counted)',
    })
    .option('triggers', {
      choices: TRIGGER_MODES,
      describe:
        'user triggers of loaded tables: fire, skip, or auto (default: fire where the load leaves columns out)',
    });
}

function verifyOptions(y: Argv): Argv {
  return y.option('verify-mode', {
    choices: VERIFY_MODES,
    describe: 'counts only, full content checksums (default), or a sample',
  });
}

/** A planning choice: every command that plans (or verifies a plan) takes it, so check sees what loads. */
function planOptions(y: Argv): Argv {
  return y.option('include-history', {
    type: 'boolean',
    describe:
      'plan migration-history and cache tables for loading too (checked against their target columns)',
  });
}

function logOptions(y: Argv): Argv {
  return y.option('log-file', {
    type: 'string',
    describe: 'audit log (CONV_AUDIT_LOG, default ./migration_log.json)',
  });
}

function buildParser(name: string, argv: string[], choose: (cmd: Command, args: Parsed) => void): Argv {
  const all = (y: Argv) =>
    planOptions(logOptions(verifyOptions(importOptions(exportOptions(connectionOptions(y)))))).option('via', {
      choices: RUN_VIAS,
      describe:
        'run: migrate (default: one stream MySQL → COPY, the export directory kept), or export then import',
    });
  return syncCommands(yargs(argv), (y) => logOptions(verifyOptions(connectionOptions(y))), choose)
    .scriptName(name)
    .usage(
      `$0 <command> [options]\n\nMove a MySQL/MariaDB database into PostgreSQL and prove nothing was lost.`,
    )
    .option('json', { type: 'boolean', describe: 'machine-readable result on stdout' })
    .option('quiet', { type: 'boolean', describe: 'no progress lines on stderr' })
    .option('debug', { type: 'boolean', describe: 'print stack traces of unexpected errors' })
    .option('run-id', {
      type: 'string',
      describe: 'add this command to a run started earlier (CONV_RUN_ID; `log started` prints it)',
    })
    .command(
      'check',
      'find schema gaps and dirty values that would break or damage the load; writes nothing',
      (y) =>
        planOptions(connectionOptions(y))
          .option('jobs', {
            type: 'number',
            describe: 'MySQL connections scanning tables side by side (CONV_JOBS, default 2)',
          })
          .example('$0 check', 'check with the connection from .env / the environment')
          .example('$0 check --json > check.json', 'the findings as JSON')
          .epilogue('Exit 0 when nothing blocks the load, 3 when check found blocking problems.'),
      (a) => choose('check', a as Parsed),
    )
    .command(
      'plan',
      'print the migration plan: tables, column conversions, load order, skipped tables',
      (y) =>
        planOptions(connectionOptions(y))
          .option('out', { type: 'string', describe: 'also write the plan as JSON to this file' })
          .example('$0 plan', 'show what would move where')
          .example('$0 plan --json > plan.json', 'the plan as JSON, for review'),
      (a) => choose('plan', a as Parsed),
    )
    .command(
      'export',
      'export every planned table to CSV + migration_manifest.json in one consistent snapshot',
      (y) =>
        planOptions(logOptions(exportOptions(connectionOptions(y))))
          .example('$0 export', 'export into ./csv_exports/<app>/<timestamp>/')
          .example('$0 export --out-dir /backup/csv --jobs 4', 'elsewhere, with 4 connections'),
      (a) => choose('export', a as Parsed),
    )
    .command(
      'import <dir>',
      'validate an export directory against its manifest and load it into PostgreSQL (COPY)',
      (y) =>
        logOptions(importOptions(connectionOptions(y)))
          .positional('dir', { type: 'string', describe: 'export directory (holds migration_manifest.json)' })
          .option('include-history', {
            type: 'boolean',
            describe: 'refused unless the export was planned with --include-history (the plan decides)',
          })
          .option('tables', { type: 'string', array: true, describe: 'load only these target tables' })
          .option('jobs', {
            type: 'number',
            describe: 'with --load-mode per-table: tables loaded at once, one connection each (default 2)',
          })
          .example('$0 import csv_exports/alkemio/20250101_120000', 'load that export')
          .epilogue(
            'Exit 6 when a row was rejected (the load was rolled back), 7 when the directory does not match its manifest.',
          ),
      (a) => choose('import', a as Parsed),
    )
    .command(
      migrateCommand(
        (a) => choose('migrate', a as Parsed),
        (y) => planOptions(logOptions(importOptions(exportOptions(connectionOptions(y))))),
      ),
    )
    .command(
      'verify',
      'compare both sides: exact row counts and content checksums per table',
      (y) =>
        planOptions(verifyOptions(connectionOptions(y)))
          .option('plan-from', {
            type: 'string',
            describe: 'use the plan stored in this export directory (else computed from both catalogs)',
          })
          .example('$0 verify', 'full comparison')
          .example('$0 verify --verify-mode counts', 'row counts only (fast)')
          .epilogue('Exit 0 when every table is equal, 4 when something differs.'),
      (a) => choose('verify', a as Parsed),
    )
    .command(
      'log <status> [message]',
      'append an event to the audit log (migration_log.json)',
      (y) =>
        logOptions(y)
          .option('env-file', { type: 'string', describe: '.env file to read' })
          .positional('status', { choices: RUN_STATUSES, describe: 'run status' })
          .positional('message', { type: 'string', describe: 'free text' })
          .option('run-id', { type: 'string', describe: 'run the event belongs to (default: a new run)' })
          .option('step', { type: 'string', describe: 'step name (export, import, …)' })
          .example('$0 log started "maintenance window opened"', 'note the start of a manual run')
          .example(
            '$0 log rolled_back "DNS switched back to MySQL" --run-id 20250101T120000Z-ab12',
            'record a rollback',
          ),
      (a) => choose('log', a as Parsed),
    )
    .command(
      'run',
      'the runbook: log started → check → migrate (or export → import with --via export-import), verify alongside → log completed (or failed/rolled_back)',
      (y) =>
        all(y)
          .example('$0 run', 'the whole migration with the settings from .env')
          .example(
            '$0 run --mysql-url mysql://root@db:3306/app --pg-url postgres://postgres@pg/app',
            'explicit servers',
          )
          .epilogue('Stops before writing anything when check finds blocking problems (exit 3).'),
      (a) => choose('run', a as Parsed),
    )
    .command(
      'show <dir>',
      'summarise an export directory from its manifest: source, snapshot, totals, rows and size per table',
      (y) =>
        y
          .positional('dir', { type: 'string', describe: 'export directory (holds migration_manifest.json)' })
          .example('$0 show csv_exports/alkemio/20250101_120000', 'what that export holds'),
      (a) => choose('show', a as Parsed),
    )
    .example('$0 check', 'find what would break the load (reads ./.env), before the maintenance window')
    .example('$0 run --env-file prod.env', 'the whole migration, logged step by step in migration_log.json')
    .example('$0 <command> --help', 'options and examples of one command')
    .demandCommand(1, 'say which command to run')
    .strict()
    .exitProcess(false)
    .help()
    .alias('h', 'help')
    .version('version', 'print the version of conv', CONV_VERSION)
    .alias('V', 'version')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .epilogue(
      'Exit codes: 0 ok · 1 unexpected error · 2 usage/configuration · 3 check found blocking problems · ' +
        '4 verify mismatch · 5 connection · 6 load failed (rolled back) · 7 bad export directory · 130 interrupted.\n' +
        'Configuration: flags > environment > .env file. Docs: docs/configuration.md, docs/runbook.md.',
    );
}

/** Runs one command line; returns its exit code (never exits the process). */
export async function runCli(argv: string[], options: CliOptions): Promise<number> {
  const io: CliIo = options.io ?? { stdout: process.stdout, stderr: process.stderr };
  const env = options.env ?? process.env;
  let chosen: { cmd: Command; args: Parsed } | undefined;
  let usageError: Error | undefined;
  let helpText = '';
  const parser = buildParser(options.name, argv, (cmd, args) => {
    chosen = { cmd, args };
  });
  try {
    await parser.parseAsync(argv, {}, (err, _args, output) => {
      usageError = err ?? undefined;
      helpText = output;
    });
  } catch (err) {
    usageError = err as Error;
  }
  const json = argv.includes('--json');
  const out = new Output(io, json, argv.includes('--quiet'));
  if (chosen) out.command = chosen.cmd;
  if (usageError) {
    // A bare `conv`: the help, then the error (exit 2).
    if (!argv.some((a) => !a.startsWith('-'))) io.stderr.write(await helpOf(options.name));
    out.error(
      `error: ${usageError.message}\n  fix: see \`${options.name} --help\` (or \`${options.name} <command> --help\`)`,
    );
    out.result(usageResult(usageError, options.name));
    return ExitCode.usage;
  }
  if (!chosen) {
    // --help: yargs handed us the text.
    io.stdout.write(helpText.endsWith('\n') ? helpText : `${helpText}\n`);
    return ExitCode.ok;
  }
  const { cmd, args } = chosen;
  let urls: { mysqlUrl?: string; pgUrl?: string } = {};
  // Secrets given on the command line are masked even if the configuration turns out invalid.
  out.addSecrets(
    [args.mysqlUrl, args.pgUrl].flatMap((u) => {
      try {
        const p = u ? new URL(u).password : '';
        return p ? [p, decodeURIComponent(p)] : [];
      } catch {
        return [];
      }
    }),
  );
  try {
    const profileParse = ProfileSchema.safeParse(options.profile ?? { name: options.name });
    if (!profileParse.success) {
      throw new ConvError(
        `the ${options.name} profile is not valid: ${profileParse.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        { code: 'config.profile', exit: ExitCode.usage },
      );
    }
    // --include-history is a planning choice: it goes into the profile the plan is made from.
    const planning = cmd !== 'import' && args.includeHistory !== undefined;
    const profile: ProfileInput = {
      ...resolveCliProfile(
        options.profile ?? { name: options.name },
        args.profile,
        options.cwd ?? process.cwd(),
      ),
      ...(planning ? { includeHistory: args.includeHistory } : {}),
    };
    const config = loadConfig({
      flags: args,
      // `log` talks to no server: it must work without connection settings.
      servers: cmd !== 'log' && cmd !== 'show',
      noMysql: cmd === 'import',
      env,
      cwd: options.cwd ?? process.cwd(),
      app: {
        name: options.name,
        ...(options.database ? { database: options.database } : {}),
        ...(profile.targetSchema ? { schema: profile.targetSchema } : {}),
      },
    });
    out.addSecrets(config.secrets, Output.namesOf(config));
    urls = { mysqlUrl: config.mysqlUrl, pgUrl: config.pgUrl };
    const runId = args.runId ?? env['CONV_RUN_ID'];
    const ctx: StepContext = {
      config,
      profile,
      out,
      ...(runId ? { runId } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    out.info(whereLine(cmd, config, args.dir));
    return await COMMANDS[cmd](ctx, args);
  } catch (err) {
    const convErr = toConvError(err, urls);
    out.error(formatError(convErr));
    if (args.debug && convErr.exitCode === ExitCode.unexpected) {
      const stack = (convErr.cause as Error | undefined)?.stack ?? convErr.stack ?? '';
      out.error(stack);
    }
    out.result({
      ok: false,
      exitCode: convErr.exitCode,
      error: {
        code: convErr.code,
        message: out.redact(convErr.message),
        hint: convErr.hint ?? null,
        location: convErr.location,
      },
    });
    return convErr.exitCode;
  }
}

function usageResult(err: Error, name: string): Record<string, unknown> {
  return {
    exitCode: ExitCode.usage,
    error: {
      code: 'cli.usage' satisfies ErrorCode,
      message: err.message,
      hint: `see \`${name} --help\` (or \`${name} <command> --help\`)`,
      location: {},
    },
  };
}

async function helpOf(name: string): Promise<string> {
  let text = '';
  await buildParser(name, ['--help'], () => {}).parseAsync(['--help'], {}, (_e, _a, output) => {
    text = output;
  });
  return text.endsWith('\n') ? text : `${text}\n`;
}

type Handler = (ctx: StepContext, args: Parsed) => Promise<number>;

const COMMANDS: Record<Command, Handler> = {
  sync: (ctx, args) => syncCommand(ctx, args as SyncArgs),
  cutover: (ctx, args) => cutoverCommand(ctx, args as SyncArgs),
  async check(ctx) {
    const began = Date.now();
    const planned = await planStep(ctx);
    const report = await checkStep(ctx, planned);
    const code = checkExitCode(report);
    const message = `check: ${report.counts.errors} errors, ${report.counts.warnings} warnings, ${report.counts.infos} notes`;
    await noteStep(ctx, 'check', code === 0 ? 'in_progress' : 'failed', { message });
    if (ctx.runId) {
      await noteSection(ctx.config, ctx.out, ctx.runId, {
        step: 'check',
        status: code === 0 ? 'in_progress' : 'failed',
        exitCode: code,
        startedAt: new Date(began).toISOString(),
        finishedAt: new Date().toISOString(),
        ...serversOf(ctx.config),
        summary: { step: 'check', ms: Date.now() - began },
        findings: report.findings,
        checkCounts: report.counts,
        skipped: skippedTables(planned.plan),
        timeline: timelineOf(ctx.out),
        ...(code !== 0 ? { error: { message, hint: null } } : {}),
      });
    }
    ctx.out.report(formatCheckReport(report, { color: ctx.out.color }));
    const skipped = skippedTables(planned.plan);
    ctx.out.report(formatSkipped(skipped));
    ctx.out.result({ exitCode: code, ...report, skipped });
    return code;
  },

  async plan(ctx, args) {
    const { plan } = await planStep(ctx);
    if (args.out) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(args.out, `${JSON.stringify(plan, null, 2)}\n`);
      ctx.out.info(`plan written to ${args.out}`);
    }
    ctx.out.report(formatPlan(plan, { color: ctx.out.color }));
    ctx.out.result(plan);
    return ExitCode.ok;
  },

  async export(ctx) {
    return single(ctx, 'export', async (log) => {
      const { plan } = await planStep(ctx);
      const began = Date.now();
      const { dir, manifest, notes } = await exportStep(ctx, plan);
      await log.event({
        status: 'in_progress',
        step: 'export',
        tables: manifest.totals.tables,
        rows: manifest.totals.rows,
        bytes: manifest.totals.bytes,
        durationMs: Date.now() - began,
        message: `export: ${dir}`,
      });
      ctx.out.report(formatExport(dir, manifest, notes));
      const skipped = skippedTables(plan);
      ctx.out.report(formatSkipped(skipped));
      ctx.out.result({
        runId: log.runId,
        exitCode: 0,
        dir,
        totals: manifest.totals,
        tables: manifest.tables,
        skipped,
      });
      return {
        code: ExitCode.ok,
        message: `export written to ${dir}`,
        section: {
          dir,
          summary: { step: 'export', ms: Date.now() - began, ...manifest.totals },
          skipped: skippedTables(plan),
        },
      };
    });
  },

  async import(ctx, args) {
    const dir = args.dir as string;
    return single(ctx, 'import', async (log) => {
      const began = Date.now();
      const { result } = await importStep(ctx, dir, {
        ...(args.includeHistory !== undefined ? { includeHistory: args.includeHistory } : {}),
        ...(args.tables ? { tables: args.tables } : {}),
      });
      const { rows } = result.totals;
      await log.event({
        status: 'in_progress',
        step: 'import',
        ...result.totals,
        durationMs: Date.now() - began,
        message: `import of ${dir}: FK strategy ${result.strategy}`,
      });
      ctx.out.report(formatImport(result));
      ctx.out.result({
        runId: log.runId,
        exitCode: 0,
        dir,
        ...result,
        skipped: importSkipped(result),
      });
      return {
        code: ExitCode.ok,
        message: `imported ${result.totals.tables} tables, ${rows} rows`,
        section: {
          dir,
          summary: { step: 'import', ms: Date.now() - began, ...result.totals },
          skipped: importSkipped(result),
          artifacts: loadArtifacts(result),
        },
      };
    });
  },

  migrate: (ctx, args) =>
    runMigrate(ctx, args as Parsed & { keepCsv?: boolean; splitMinMb?: number }, single),

  async verify(ctx, args) {
    return single(ctx, 'verify', async (log) => {
      let plan: Awaited<ReturnType<typeof planStep>>['plan'];
      // Only the plan is read: the CSV files are not hashed for it.
      if (args.planFrom) plan = (await readManifest(args.planFrom)).plan;
      else plan = (await planStep(ctx)).plan;
      const began = Date.now();
      const report = await verifyStep(ctx, plan);
      const code = verifyExitCode(report);
      const differing = report.tables.filter((t) => !tableOk(t));
      await log.event({
        status: 'in_progress',
        step: 'verify',
        tables: report.tables.length,
        durationMs: Date.now() - began,
        message: `verify (${report.mode}): ${report.tables.length - differing.length} of ${report.tables.length} tables equal`,
      });
      ctx.out.report(formatVerifyReport(report, { color: ctx.out.color }));
      ctx.out.result({ runId: log.runId, exitCode: code, ...report });
      return {
        code,
        message:
          code === 0
            ? `verify: ${report.tables.length} tables equal`
            : `verify found differences in ${differing.length} table(s): ${differing.map((t) => t.table).join(', ')}`,
        section: {
          summary: {
            step: 'verify',
            ms: Date.now() - began,
            tables: report.tables.length,
            rows: report.totals.sourceRows,
          },
          verify: {
            mode: report.mode,
            tables: report.tables.map((t) => ({
              table: t.table,
              sourceRows: t.sourceRows,
              targetRows: t.targetRows,
              countMatch: t.countMatch,
              checksumMatch: t.checksumMatch,
              ms: t.ms,
            })),
          },
        },
      };
    });
  },

  async log(ctx, args) {
    const log = await RunLog.open(ctx);
    try {
      await log.event({
        status: args.status as RunStatus,
        ...(args.message !== undefined ? { message: args.message } : {}),
        ...(args.step ? { step: args.step } : {}),
      });
    } finally {
      await log.close();
    }
    ctx.out.report(`logged ${args.status} for run ${log.runId} in ${ctx.config.auditLogFile}`);
    // The run's report: begun by `log started`, final after the closing status.
    const now = new Date().toISOString();
    const report = await noteSection(ctx.config, ctx.out, log.runId, {
      step: 'log',
      status: args.status as string,
      exitCode: 0,
      startedAt: now,
      finishedAt: now,
      ...(args.status === 'failed' || args.status === 'rolled_back'
        ? { error: { message: ctx.out.redact(args.message ?? `logged ${args.status}`), hint: null } }
        : {}),
    });
    if (!log.joined)
      ctx.out.report(
        `run id: ${log.runId} — pass it to the next commands: --run-id ${log.runId}, or export CONV_RUN_ID=${log.runId}`,
      );
    ctx.out.result({
      ok: true,
      exitCode: 0,
      runId: log.runId,
      status: args.status,
      file: ctx.config.auditLogFile,
      ...(report ? { report } : {}),
    });
    return ExitCode.ok;
  },

  async show(ctx, args) {
    const dir = args.dir as string;
    const manifest = await readManifest(dir);
    ctx.out.report(formatShow(dir, manifest));
    ctx.out.result({ exitCode: 0, ...showPayload(dir, manifest) });
    return ExitCode.ok;
  },

  async run(ctx) {
    const result = await runbook(ctx);
    ctx.out.report(
      [
        '',
        `Run ${result.runId}: ${result.ok ? (ctx.runId ? 'steps done, run still open (close it with log completed)' : 'completed') : 'stopped'} (exit ${result.exitCode})`,
        `  export:    ${result.exportDir ?? '(none: stopped before export)'}`,
        `  audit log: ${result.auditLog}`,
        ...(result.report ? [`  report:    ${result.report.html} (and .md)`] : []),
      ].join('\n'),
    );
    if (result.error)
      ctx.out.error(
        `error: ${result.error.message}${result.error.hint ? `\n  fix: ${result.error.hint}` : ''}`,
      );
    ctx.out.result({ ...result, config: describeConfig(ctx.config) });
    return result.exitCode;
  },
};

/** What a step body returns: its exit code and log message, and its section of a manual run's report. */
interface StepOutcome {
  code: number;
  message: string;
  section?: Partial<RunSection>;
}

/**
 * A single writing command (export, import) as a run of its own in the audit log. Part of a run started
 * earlier (`--run-id`), it also adds its section to that run's report (see run-sections.ts).
 */
async function single(
  ctx: StepContext,
  step: string,
  body: (log: RunLog) => Promise<StepOutcome>,
): Promise<number> {
  const log = await RunLog.open(ctx);
  log.step = step;
  const began = Date.now();
  const section = async (status: string, exitCode: number, extra: Partial<RunSection> = {}) => {
    if (!log.joined) return;
    await noteSection(ctx.config, ctx.out, log.runId, {
      step,
      status,
      exitCode,
      startedAt: new Date(began).toISOString(),
      finishedAt: new Date().toISOString(),
      ...serversOf(ctx.config),
      timeline: timelineOf(ctx.out),
      ...extra,
    });
  };
  // Part of a run started earlier: the step's events are `in_progress`; the run is closed by `log completed`.
  await log.event({
    status: log.joined ? 'in_progress' : 'started',
    step,
    message: `${ctx.config.app} ${step}`,
  });
  try {
    const { code, message, section: extra } = await body(log);
    const status = code !== ExitCode.ok ? 'failed' : log.joined ? 'in_progress' : 'completed';
    await log.event({ status, step, message, durationMs: Date.now() - began });
    await section(status, code, {
      ...extra,
      ...(code !== ExitCode.ok ? { error: { message, hint: null } } : {}),
    });
    return code;
  } catch (err) {
    // A step the operator stopped often fails with its own error first (an export's stream destroyed).
    const convErr = asInterrupted(ctx, step, toConvError(err, ctx.config), step);
    const status = failureStatus(err);
    await log.event({ status, step, message: convErr.message, durationMs: Date.now() - began });
    await section(status, convErr.exitCode, {
      error: { message: ctx.out.redact(convErr.message), hint: convErr.hint ?? null },
    });
    throw convErr;
  } finally {
    await log.close();
  }
}

/** A read-only step (check) leaves an event only when it belongs to a run (`--run-id` / `CONV_RUN_ID`). */
async function noteStep(
  ctx: StepContext,
  step: string,
  status: RunStatus,
  event: { message: string },
): Promise<void> {
  if (!ctx.runId) return;
  const log = await RunLog.open(ctx);
  try {
    await log.event({ status, step, ...event });
  } finally {
    await log.close();
  }
}

/**
 * The executables' entry: runs the command line with Ctrl-C handled like an operator expects — the first
 * SIGINT/SIGTERM stops the run after the current step (logged), a second one exits at once (an open load
 * transaction is then rolled back by PostgreSQL) — and exits with the command's code.
 */
export async function runMain(argv: string[], options: Omit<CliOptions, 'signal'>): Promise<never> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      // Second signal: stop now, but first give every open run its closing event (bounded wait).
      setTimeout(() => process.exit(ExitCode.interrupted), 3000).unref();
      void RunLog.abandonAll(signal).finally(() => process.exit(ExitCode.interrupted));
      return;
    }
    process.stderr.write(
      `\n${options.name}: ${signal} — stopping after the current step (again to stop at once)\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // An empty event loop before the command returned means a stream ended without its end (never exit 0).
  const unfinished = () => {
    process.stderr.write(`${options.name}: internal error: the command stopped without a result\n`);
    process.exit(ExitCode.unexpected);
  };
  process.once('beforeExit', unfinished);
  const code = await runCli(argv, { ...options, io: processIo(), signal: controller.signal });
  process.off('beforeExit', unfinished);
  process.exitCode = code;
  // Let stdout drain; a connection pool left open by a library must not keep the process alive.
  setTimeout(() => process.exit(code), 2000).unref();
  return new Promise<never>(() => {});
}
