import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConvError,
  ExitCode,
  isConvError,
  type Manifest,
  type ProgressReporter,
  redactText,
  redactUrl,
  serverOf,
  silentProgress,
} from '@conv/core';
import { connectPg, lockTimeoutStatement } from '@conv/dialect/postgres';
import type pg from 'pg';
import { ImportArtifacts } from './artifacts.js';
import { type CopyOutcome, copyTable } from './copy.js';
import { deferredViolationError } from './deferred-unique.js';
import { chooseStrategy, missingNow, referencingTables } from './fk-strategy.js';
import { type FkStrategy, type FkStrategyOption, fksOfLoadedTables, plannedOrder } from './foreign-keys.js';
import { countDeferrableIndexes } from './indexes.js';
import { cutConnection, DEFAULT_TIMEOUTS, type ImportTimeouts, interruptedError } from './liveness.js';
import { type LoadInput, type RunContext, type RunOutcome, withTotals } from './load-context.js';
import { buildLoadPlan, type LoadPart, type LoadTable, type SkippedLoad } from './load-plan.js';
import { isLostConnection, lostConnectionError } from './lost-connection.js';
import { type Occupied, rowsToReplace } from './occupied.js';
import { runPerTable } from './per-table.js';
import { readSavedForeignKeys } from './saved-constraints.js';
import { Session } from './session.js';
import { runSingleTransaction } from './single-transaction.js';
import { type ImportState, readState, STATE_FILE } from './state.js';
import { type LiveForeignKey, readLiveTarget, tableKey } from './target.js';
import { lockDirectory, lockTarget } from './target-lock.js';
import { planTriggers, type TriggerAction, type TriggerMode } from './triggers.js';
import { type ContentCheck, validateExportDirectory } from './validate.js';

export type ImportMode = 'single-transaction' | 'per-table';

export interface ImportOptions {
  pgUrl: string;
  /** The export directory (holds migration_manifest.json). */
  dir: string;
  /** Target schema; default `public`. */
  schema?: string;
  fkStrategy?: FkStrategyOption;
  /** `single-transaction` (default): all or nothing. `per-table`: commit per table, resumable. */
  mode?: ImportMode;
  /** Only these tables (source or target names). */
  tables?: string[];
  progress?: ProgressReporter;
  /** Progress of the validation pass (hashing every file before the load), when the caller shows it. */
  validationProgress?: ProgressReporter;
  /**
   * When file contents are checked against their sha256: `before-load` (default: every byte read before
   * anything is written) or `while-loading` (hashed as the bytes stream into COPY, checked before the
   * COMMIT: one read instead of two). Presence, sizes and headers are always checked before any write.
   */
  contentCheck?: ContentCheck;
  /** Load even when planned target tables already hold rows (they are replaced, and reported). */
  replace?: boolean;
  /** User triggers of the loaded tables during the COPY (default `auto`, see TriggerMode). */
  triggers?: TriggerMode;
  /** Clock for the artifact names (tests). */
  now?: Date;
  /** Bounds on connecting, on a COPY that moves nothing, on lock waits (see liveness.ts). */
  timeouts?: ImportTimeouts;
  /** Aborting (SIGINT/SIGTERM) cuts the connection at once: PostgreSQL rolls back the open transaction. */
  signal?: AbortSignal;
  /**
   * The manifest `validateExportDirectory(dir, { tables })` already returned for this directory: the
   * files are not checked (nor hashed) a second time.
   */
  manifest?: Manifest;
  /** per-table mode: tables loaded at once, each on its own PostgreSQL connection (default 1). */
  jobs?: number;
  /** Drop each table's secondary indexes before its COPY and rebuild them after (default true). */
  deferIndexes?: boolean;
  /** Called once a table is loaded (committed in per-table mode): e.g. to verify it while others load. */
  onTableLoaded?: (table: LoadTable) => void;
}

export interface ImportResult {
  strategy: FkStrategy;
  /** Why this strategy (what the role can do), as reported to the user. */
  strategyReason: string;
  mode: ImportMode;
  /** `parts`: a table loaded in key ranges (per-table mode, see LoadOptions.parts). */
  loaded: { table: string; rows: number; bytes: number; ms: number; parts?: number }[];
  /** Tables given key ranges (LoadOptions.parts) that were loaded in one transaction all the same, and why. */
  loadedWhole: { table: string; reason: string }[];
  /** Sums over `loaded`: the one place they are added up. */
  totals: { tables: number; rows: number; bytes: number };
  /** Secondary indexes dropped before a table's COPY and rebuilt after it, per table. */
  deferredIndexes: { table: string; indexes: string[]; ms: number }[];
  /** Tables not loaded: the plan's skips (with `expected` from the profile) and what the live target added. */
  skipped: SkippedLoad[];
  /** Every table emptied by the single TRUNCATE (planned tables plus empty tables that reference them). */
  truncated: string[];
  /** Next value each reset sequence hands out (bigint as text). */
  sequences: { sequence: string; value: string }[];
  /** Planned tables that held rows before the load, and how many were replaced (`replace`). */
  replaced: Occupied[];
  /** Every user trigger of a loaded table, and whether it fired during the load. */
  triggers: TriggerAction[];
  /** Foreign keys checked after the load (replica, drop-recreate). */
  checkedForeignKeys: number;
  /** per-table mode: tables found committed by an earlier run and not loaded again. */
  resumed: string[];
  scriptFile: string;
  logFile: string;
  ms: number;
}

/** Errors of an import whose open transaction was rolled back (the target is as it was). */
const rolledBackErrors = new WeakSet<object>();

/**
 * Whether a failed import or migrate rolled its one transaction back: the single answer to "did it roll
 * back" (the audit log's `rolled_back` rather than `failed`). False when it failed before writing anything.
 */
export function rolledBack(err: unknown): boolean {
  return typeof err === 'object' && err !== null && rolledBackErrors.has(err);
}

/** The script and log a failed load wrote (they stay, for debugging), by its error. */
const failedArtifacts = new WeakMap<object, { dir: string; scriptFile: string; logFile: string }>();

/**
 * Where a failed import or migrate left its import script and log (in its directory): so that a report
 * of the failure can list them. Null when it failed before writing them.
 */
export function failedLoadArtifacts(
  err: unknown,
): { dir: string; scriptFile: string; logFile: string } | null {
  return (typeof err === 'object' && err !== null && failedArtifacts.get(err)) || null;
}

/**
 * The password to mask in every line. One equal to the user, host or database name (`postgres`) is left to
 * the URL and `password=` masking, so that role and database names stay readable.
 */
function secretOf(url: string): string[] {
  try {
    const u = new URL(url);
    const password = decodeURIComponent(u.password);
    const names = [decodeURIComponent(u.username), u.hostname, decodeURIComponent(u.pathname.slice(1))];
    return password && !names.includes(password) ? [password] : [];
  } catch {
    return [];
  }
}

function databaseOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || '(default)';
  } catch {
    return '(default)';
  }
}

/**
 * Loads a validated export directory into PostgreSQL. See the package README for the guarantees:
 * validated before any write, one TRUNCATE, COPY FROM STDIN, FK strategy, sequences reset, atomic by
 * default, resumable per table, fail-fast with the exact location of a bad row.
 */
export async function importDirectory(options: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  // Validation reads every byte; nothing is written to the target before it passes.
  const content = options.contentCheck ?? 'before-load';
  const manifest =
    options.manifest ??
    (await validateExportDirectory(options.dir, {
      tables: options.tables,
      content,
      ...(options.validationProgress ? { progress: options.validationProgress } : {}),
    }));
  return loadManifest({
    ...options,
    manifest,
    started,
    // Every file is hashed as it streams and checked before the COMMIT (it may change after validation).
    copy: (client, table, onBytes, copyOptions) =>
      copyTable(client, table, onBytes, { hash: true, ...copyOptions }),
    preamble: [
      `export ${options.dir} validated: ${manifest.tables.length} files, ${manifest.totals.rows} rows, ${manifest.totals.bytes} bytes (sizes, headers${content === 'before-load' ? ', sha256' : '; sha256 checked while loading'}) in ${Date.now() - started} ms${options.manifest ? ' (validated by the caller)' : ''}`,
    ],
  });
}

/** Streams the rows of one planned table into `COPY … FROM STDIN` on `client` (a file, or MySQL itself). */
export type TableCopier = (
  client: pg.ClientBase,
  table: LoadTable,
  onBytes: (bytes: number) => void,
  /** `part`: only this key range of the table (a split table, per-table mode). */
  options: { freeze: boolean; stall: { ms: number; server: string }; part?: LoadPart },
) => Promise<CopyOutcome>;

export interface LoadOptions extends Omit<ImportOptions, 'contentCheck'> {
  /** What is loaded: the export's manifest, or the one `migrate` builds from the snapshot's counts. */
  manifest: Manifest;
  copy: TableCopier;
  /** Lines for the import log before the load starts. */
  preamble?: string[];
  /**
   * per-table mode: tables (by manifest `table`) loaded in these key ranges, each range its own COPY and
   * transaction on whichever connection is free. Ignored in single-transaction mode (one connection), and
   * for a table whose triggers are switched around its COPY (the switch locks out sibling parts).
   */
  parts?: Map<string, LoadPart[]>;
  /** When the whole operation began (for `ms`). */
  started?: number;
}

/** A session's connection: every one (parallel loads too) with the same connect timeout and keepalives. */
function openClient(
  pgUrl: string,
  secrets: string[],
  timeouts: Required<ImportTimeouts>,
): Promise<pg.Client> {
  return connectPg(pgUrl, { application: 'conv import', connectMs: timeouts.connectMs, secrets });
}

/**
 * The load itself, shared by `import` (files) and `migrate` (rows straight from MySQL): live plan, FK
 * strategy, one TRUNCATE, COPY per table through `options.copy`, keys, sequences, one transaction or
 * one per table, the script and the log.
 */
export async function loadManifest(options: LoadOptions): Promise<ImportResult> {
  const started = options.started ?? Date.now();
  const schema = options.schema ?? 'public';
  const mode = options.mode ?? 'single-transaction';
  const progress = options.progress ?? silentProgress;
  const secrets = secretOf(options.pgUrl);
  const target = `${serverOf(options.pgUrl)}/${databaseOf(options.pgUrl)} schema ${schema}`;
  // One import per directory: its state file and script names must not be shared with a second process.
  const unlockDir = lockDirectory(options.dir);
  let artifacts: ImportArtifacts;
  try {
    artifacts = new ImportArtifacts(options.dir, options.now ?? new Date(), secrets);
  } catch (err) {
    unlockDir();
    throw err;
  }
  const say = (line: string) => {
    artifacts.info(line);
    progress.log(redactText(line, secrets));
  };
  for (const line of options.preamble ?? []) artifacts.info(line);
  artifacts.comment(
    `conv import of ${options.dir}\ninto ${redactUrl(options.pgUrl)} schema ${schema}, mode ${mode}\n` +
      `re-run by hand from the export directory: psql -v ON_ERROR_STOP=1 -d <database> -f ${artifacts.scriptFile.split('/').pop()}`,
  );
  artifacts.statement('\\set ON_ERROR_STOP on');

  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const lockTimeout = lockTimeoutStatement(timeouts.lockMs);
  const clients: pg.Client[] = [];
  let client: pg.Client;
  try {
    client = await openClient(options.pgUrl, secrets, timeouts);
  } catch (err) {
    await artifacts.close().catch(() => {});
    unlockDir();
    throw err;
  }
  clients.push(client);
  const session = new Session(client, artifacts, options.signal);
  // Aborting cuts every connection: PostgreSQL rolls back each open transaction.
  const onAbort = () => {
    const err = interruptedError(target, mode, () => committedOf(options.dir));
    for (const c of clients) cutConnection(c, err);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const more = async (n: number): Promise<Session[]> => {
    const out: Session[] = [];
    for (let i = 0; i < n; i++) {
      if (options.signal?.aborted) throw interruptedError(target, mode, () => committedOf(options.dir));
      const extra = await openClient(options.pgUrl, secrets, timeouts);
      clients.push(extra);
      const s = new Session(extra, artifacts, options.signal);
      await s.run(lockTimeout);
      out.push(s);
    }
    return out;
  };
  const ctx: RunContext = {
    stall: { ms: timeouts.stallMs, server: serverOf(options.pgUrl) },
    schema,
    mode,
    progress,
    target,
    say,
    more,
    rolledBack: false,
  };
  // Every error leaving the load says whether its transaction was rolled back (see rolledBack()).
  const marked = (err: unknown) => {
    if (typeof err === 'object' && err !== null) {
      if (ctx.rolledBack) rolledBackErrors.add(err);
      failedArtifacts.set(err, {
        dir: options.dir,
        scriptFile: artifacts.scriptFile,
        logFile: artifacts.logFile,
      });
    }
    return err;
  };
  try {
    if (options.signal?.aborted) throw interruptedError(target, mode, () => committedOf(options.dir));
    await lockTarget(client, schema, target);
    await session.run(lockTimeout);
    const result = await runImport(session, options.manifest, options, ctx);
    const ms = Date.now() - started;
    say(
      `import done: ${result.totals.tables} tables, ${result.totals.rows} rows in ${ms} ms (strategy ${result.strategy})`,
    );
    for (const c of clients) await c.end().catch(() => {});
    // A log that could not be written fails the command (the data was committed: say so).
    await artifacts.close().catch((err: ConvError) => {
      throw Object.assign(err, { message: `${err.message} (after the import was committed)` });
    });
    return { ...result, scriptFile: artifacts.scriptFile, logFile: artifacts.logFile, ms };
  } catch (caught) {
    const err = caught;
    const message = redactText(err instanceof Error ? err.message : String(err), secrets);
    artifacts.info(`FAILED: ${message}`);
    artifacts.comment(`ERROR: ${message}`);
    await artifacts.close().catch(() => {});
    if (options.signal?.aborted) throw marked(interruptedError(target, mode, () => committedOf(options.dir)));
    if (isConvError(err)) throw marked(err);
    const deferred = deferredViolationError(err, target, mode === 'per-table');
    if (deferred) throw marked(deferred);
    if (isLostConnection(err)) {
      throw marked(
        lostConnectionError(
          err,
          `during the import into ${target}`,
          { server: serverOf(options.pgUrl) },
          'its open transaction ended with the session (PostgreSQL rolls it back)',
        ),
      );
    }
    throw marked(
      new ConvError(`import into ${target} failed: ${message}`, {
        code: 'import.failed',
        exit: ExitCode.loadFailed,
        cause: err,
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const c of clients) await endClient(c);
    await artifacts.close();
    unlockDir();
  }
}

/** Tables a per-table import committed, from its state file (best effort, for the message). */
function committedOf(dir: string): string {
  try {
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as { done?: string[] };
    return state.done?.join(', ') || '(none)';
  } catch {
    return '(none)';
  }
}

/** `end()` waits for the server: a stopped one must not hold the exit. */
async function endClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2000);
    }),
  ]);
  clearTimeout(timer);
  cutConnection(client, new Error('closed'));
}

async function runImport(
  session: Session,
  manifest: Manifest,
  options: LoadOptions,
  ctx: RunContext,
): Promise<RunOutcome> {
  const { client } = session;
  const live = await readLiveTarget(client, ctx.schema);
  const plan = buildLoadPlan(options.dir, manifest, live, { schema: ctx.schema, tables: options.tables });
  for (const s of plan.skipped) ctx.say(`skipped ${s.table}: ${s.detail}`);
  for (const note of plan.notes) ctx.say(`the live target differs from the plan: ${note}`);
  if (!plan.tables.length) throw noTables(plan.skipped, ctx.target);

  const state = ctx.mode === 'per-table' ? await resumableState(options.dir, manifest, ctx) : null;
  // Keys an interrupted per-table run dropped and saved in the target: restored by this import whatever
  // its mode, strategy or export directory.
  const saved = missingNow(await readSavedForeignKeys(client, ctx.schema), live);
  if (saved.length) {
    ctx.say(
      `${saved.length} foreign key(s) dropped by an interrupted import are missing from the target; they are re-added and validated by this import: ${saved.map((fk) => `${fk.table}.${fk.name}`).join(', ')}`,
    );
  }
  const fks = mergeSaved(
    mergeSaved(fksOfLoadedTables(live, plan.tables), state?.droppedForeignKeys ?? []),
    saved,
  );
  // The plan's order; the live keys only add (and the log says so).
  const planned = plannedOrder(manifest.plan.loadOrder, plan.tables, fks, {
    ignoreDeferrable: ctx.mode === 'single-transaction',
  });
  if (planned.note) ctx.say(`load order differs from the plan: ${planned.note}`);
  const { order } = planned;
  const choice = state
    ? {
        strategy: state.strategy,
        reason: `${state.strategy}: resumed with the strategy of the interrupted run`,
      }
    : await chooseStrategy(client, live, planned.cyclic, fks, options.fkStrategy ?? 'auto');
  ctx.say(`role ${live.role}${live.superuser ? ' (superuser)' : ''}; foreign keys: ${choice.reason}`);
  if (state && state.tables.join('\u0000') !== order.map((t) => t.target).join('\u0000')) {
    throw new ConvError(
      `${options.dir}/import_state.json belongs to an import of other tables (${state.tables.length} tables): cannot resume`,
      {
        code: 'import.state-mismatch',
        exit: ExitCode.usage,
        at: { file: options.dir },
        hint: 'Remove import_state.json to start again from the beginning (the planned tables are truncated again).',
      },
    );
  }
  const extra = await referencingTables(client, live, order);
  if (extra.length) {
    ctx.say(
      `also truncated (empty tables outside the export whose foreign keys point at loaded tables): ${extra.map((t) => t.name).join(', ')}`,
    );
  }
  const truncated = [
    ...order.map((t) => ({
      schema: t.schema,
      name: t.target,
      only: !(t.schema === live.schema && live.tables.get(t.target)?.partitioned),
    })),
    // Checked empty, children included: a plain TRUNCATE loses nothing (and works on partitioned ones).
    ...extra.map((t) => ({ ...t, only: false })),
  ];
  // A resumed per-table import finds its own committed tables full: not rows to protect.
  const replaced = state
    ? []
    : await rowsToReplace(client, truncated.slice(0, order.length), !!options.replace, ctx.target);
  if (replaced.length) {
    ctx.say(
      `replacing rows already in the target: ${replaced.map((r) => `${r.table} ${r.rows}`).join(', ')}`,
    );
  }
  ctx.triggers = await planTriggers(client, live, order, options.triggers ?? 'auto', choice.strategy);
  if (options.deferIndexes !== false) {
    // A table loaded in key ranges keeps its indexes (split-load.ts): nothing of it is rebuilt.
    const split = (t: LoadTable) =>
      ctx.mode === 'per-table' && (options.parts?.get(t.table)?.length ?? 0) > 1;
    const owned = order.filter((t) => t.owned !== false && !state?.done.includes(t.target) && !split(t));
    const total = await countDeferrableIndexes(
      client,
      ctx.schema,
      owned.filter((t) => t.schema === ctx.schema).map((t) => t.target),
    );
    ctx.indexBuilds = { built: 0, total };
    if (total > 0) ctx.progress.count?.('index builds', 0, total);
  }
  const triggers = [...ctx.triggers.values()].flatMap((t) => t.actions);
  for (const t of triggers) ctx.say(`trigger ${t.trigger} on ${t.table}: ${t.action} during the load`);
  const outcome: RunOutcome = {
    strategy: choice.strategy,
    strategyReason: choice.reason,
    mode: ctx.mode,
    loaded: [],
    totals: { tables: 0, rows: 0, bytes: 0 },
    deferredIndexes: [],
    skipped: plan.skipped,
    truncated: truncated.map((t) => (t.schema === ctx.schema ? t.name : `${t.schema}.${t.name}`)),
    sequences: [],
    replaced,
    triggers,
    checkedForeignKeys: 0,
    resumed: [],
    loadedWhole: [],
  };
  const droppable =
    choice.strategy === 'drop-recreate' ? fks : mergeSaved(state?.droppedForeignKeys ?? [], saved);
  const input: LoadInput = { outcome, state, order, fks, droppable, truncated, live };
  return withTotals(
    ctx.mode === 'single-transaction'
      ? await runSingleTransaction(session, options, ctx, input)
      : await runPerTable(session, manifest, options, ctx, input),
  );
}

function noTables(skipped: SkippedLoad[], target: string): ConvError {
  return new ConvError(
    `nothing to load into ${target}: every table of the export was skipped (${skipped.map((s) => `${s.table}: ${s.reason}`).join(', ')})`,
    {
      code: 'import.nothing-to-load',
      exit: ExitCode.badInput,
      hint: 'Check the target schema name (--pg-schema) and that the application migrations created its tables.',
    },
  );
}

async function resumableState(dir: string, manifest: Manifest, ctx: RunContext): Promise<ImportState | null> {
  const state = await readState(dir);
  if (!state || state.phase === 'completed') return null;
  if (state.planHash !== manifest.planHash || state.target !== ctx.target) {
    throw new ConvError(
      `${dir}/import_state.json records an unfinished import of another plan or into another target (${state.target}): cannot resume`,
      {
        code: 'import.state-mismatch',
        exit: ExitCode.usage,
        at: { file: dir },
        hint: 'Finish that import, or remove import_state.json to start again from the beginning.',
      },
    );
  }
  ctx.say(
    `resuming the per-table import started ${state.startedAt}: ${state.done.length} table(s) already committed`,
  );
  return state;
}

/** Dropped constraints of an interrupted run are gone from the catalog: take them from the state file. */
function mergeSaved(live: LiveForeignKey[], saved: LiveForeignKey[]): LiveForeignKey[] {
  const key = (fk: LiveForeignKey) => `${tableKey(fk.schema, fk.table)}\u0000${fk.name}`;
  const byKey = new Map(live.map((fk) => [key(fk), fk]));
  for (const fk of saved) if (!byKey.has(key(fk))) byKey.set(key(fk), fk);
  return [...byKey.values()];
}
