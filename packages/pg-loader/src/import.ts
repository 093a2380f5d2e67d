import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConvError,
  ExitCode,
  isConvError,
  type Manifest,
  type ProgressReporter,
  quotePgQualified,
  redactText,
  redactUrl,
  serverOf,
  silentProgress,
} from '@conv/core';
import { connectPg, lockTimeoutStatement } from '@conv/dialect/postgres';
import type pg from 'pg';
import { ImportArtifacts } from './artifacts.js';
import { type CopyOutcome, copyTable } from './copy.js';
import {
  deferrableUniques,
  deferredViolationError,
  duplicateError,
  duplicateQuery,
} from './deferred-unique.js';
import { chooseStrategy, fkKey, prepare, referencingTables, restoreForeignKeys } from './fk-strategy.js';
import { type FkStrategy, type FkStrategyOption, fksOfLoadedTables, plannedOrder } from './foreign-keys.js';
import { countDeferrableIndexes, deferrableIndexes, dropIndex } from './indexes.js';
import { cutConnection, DEFAULT_TIMEOUTS, type ImportTimeouts, interruptedError } from './liveness.js';
import { buildLoadPlan, type LoadPart, type LoadTable, type SkippedLoad } from './load-plan.js';
import { isLostConnection, lostConnectionError } from './lost-connection.js';
import { type Occupied, rowsToReplace } from './occupied.js';
import { forgetForeignKeys, readSavedForeignKeys } from './saved-constraints.js';
import { restartSequences } from './sequences.js';
import { runOn, Session } from './session.js';
import { SplitLoad } from './split-load.js';
import { copyFromStdin, psqlCopyLine } from './sql.js';
import { type ImportState, readState, STATE_FILE, writeState } from './state.js';
import { type LiveForeignKey, type LiveTarget, readLiveTarget, tableKey } from './target.js';
import { lockDirectory, lockTarget } from './target-lock.js';
import { planTriggers, type TableTriggers, type TriggerAction, type TriggerMode } from './triggers.js';
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
    if (ctx.rolledBack && typeof err === 'object' && err !== null) rolledBackErrors.add(err);
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

interface RunContext {
  stall: { ms: number; server: string };
  schema: string;
  /** Further sessions on their own connections (parallel per-table loads). */
  more(n: number): Promise<Session[]>;
  mode: ImportMode;
  progress: ProgressReporter;
  target: string;
  say(line: string): void;
  /** Trigger switches around each table's COPY. */
  triggers?: Map<string, TableTriggers>;
  /** Set once the one transaction was rolled back. */
  rolledBack: boolean;
  /** Deferred indexes rebuilt so far and in all, for the progress display (`index builds n/total`). */
  indexBuilds?: { built: number; total: number };
}

type RunOutcome = Omit<ImportResult, 'scriptFile' | 'logFile' | 'ms'>;

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
    const owned = order.filter((t) => t.owned !== false && !state?.done.includes(t.target));
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
  };
  const droppable =
    choice.strategy === 'drop-recreate' ? fks : mergeSaved(state?.droppedForeignKeys ?? [], saved);
  if (ctx.mode === 'single-transaction') {
    await session.run('BEGIN');
    try {
      await prepare(session, choice.strategy, fks, presentNow(droppable, live), truncated, 'local');
      // Every table was truncated in this transaction: COPY FREEZE writes its rows already frozen.
      for (const table of order) {
        outcome.loaded.push(await loadOne(session, table, ctx, options, outcome, !table.partitioned));
        options.onTableLoaded?.(table);
      }
      outcome.checkedForeignKeys = await restoreForeignKeys(session, choice.strategy, fks, droppable);
      await forgetForeignKeys(client, runOn(session), ctx.schema);
      outcome.sequences = await resetSequences(session, order);
      await session.run('COMMIT');
    } catch (err) {
      await session.run('ROLLBACK').catch(() => {});
      await undoSequences(session, ctx.say);
      ctx.rolledBack = true;
      ctx.say('rolled back: the target is as it was before the import');
      throw err;
    }
    return withTotals(outcome);
  }
  return withTotals(
    await runPerTable(session, manifest, options, ctx, {
      outcome,
      state,
      order,
      fks,
      droppable,
      truncated,
      live,
    }),
  );
}

/** The one place the loaded rows and bytes are added up. */
function withTotals(outcome: RunOutcome): RunOutcome {
  const sum = (pick: (t: RunOutcome['loaded'][number]) => number) =>
    outcome.loaded.reduce((n, t) => n + pick(t), 0);
  outcome.totals = { tables: outcome.loaded.length, rows: sum((t) => t.rows), bytes: sum((t) => t.bytes) };
  return outcome;
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

async function loadOne(
  session: Session,
  table: LoadTable,
  ctx: RunContext,
  options: LoadOptions,
  outcome: RunOutcome,
  freeze: boolean,
): Promise<{ table: string; rows: number; bytes: number; ms: number }> {
  const switches = ctx.triggers?.get(table.target);
  for (const sql of switches?.before ?? []) await session.run(sql);
  // Secondary indexes are built once over the loaded rows instead of maintained row by row; in the same
  // transaction as the COPY, so a failure leaves them as they were. Only the table's owner may drop them.
  const deferred =
    options.deferIndexes !== false && table.owned !== false
      ? await deferrableIndexes(session.client, table.schema, table.target)
      : [];
  for (const index of deferred) await session.run(dropIndex(index));
  if (table.file) {
    session.artifacts.statement(psqlCopyLine(table.schema, table.target, table.columns, table.file, freeze));
  } else {
    session.artifacts.comment(
      `${copyFromStdin(table.schema, table.target, table.columns, freeze)}: rows streamed from MySQL table ${table.table}`,
    );
  }
  ctx.progress.start(table.target, { rows: table.rows, bytes: table.bytes });
  const { rows, bytes, ms } = await options.copy(
    session.client,
    table,
    (moved) => {
      const estimate = table.bytes > 0 ? Math.floor((table.rows * moved) / table.bytes) : 0;
      ctx.progress.update(table.target, estimate, moved);
    },
    { freeze, stall: ctx.stall },
  );
  const indexStarted = Date.now();
  for (const [i, index] of deferred.entries()) {
    ctx.progress.phase?.(table.target, `index build ${i + 1}/${deferred.length}: ${index.name}`);
    await session.run(index.definition);
    indexBuilt(ctx);
  }
  if (deferred.length) {
    outcome.deferredIndexes.push({
      table: table.target,
      indexes: deferred.map((i) => i.name),
      ms: Date.now() - indexStarted,
    });
  }
  // Under replica, deferrable unique keys are not checked at all (their triggers do not fire): check now.
  if (outcome.strategy === 'replica') {
    for (const u of await deferrableUniques(session.client, table.schema, table.target)) {
      const sample = await session.run(duplicateQuery(table.schema, table.target, u));
      if (sample.length) throw duplicateError(table.schema, table.target, u, sample);
    }
  }
  ctx.progress.finish(table.target, rows, bytes);
  for (const sql of switches?.after ?? []) await session.run(sql);
  session.artifacts.info(
    `loaded ${table.schema}.${table.target}${table.file ? ` from ${table.file}` : ''}: ${rows} rows, ${bytes} bytes in ${ms} ms (${ms > 0 ? ((bytes / 1048576) * (1000 / ms)).toFixed(1) : '-'} MB/s)${freeze ? ', COPY FREEZE' : ''}${deferred.length ? `; ${deferred.length} index(es) rebuilt after the COPY in ${Date.now() - indexStarted} ms` : ''}`,
  );
  return { table: table.target, rows, bytes, ms };
}

/** One deferred index rebuilt: the progress's `index builds n/total`. */
function indexBuilt(ctx: RunContext): void {
  if (!ctx.indexBuilds) return;
  ctx.indexBuilds.built += 1;
  // A table whose indexes appeared after the count still counts: the total never falls behind.
  ctx.indexBuilds.total = Math.max(ctx.indexBuilds.total, ctx.indexBuilds.built);
  ctx.progress.count?.('index builds', ctx.indexBuilds.built, ctx.indexBuilds.total);
}

/** Sequences restart in the load's transaction (see sequences.ts): a rollback leaves them untouched. */
function resetSequences(
  session: Session,
  tables: LoadTable[],
): Promise<{ sequence: string; value: string }[]> {
  session.undo = [];
  return restartSequences((stmt) => session.run(stmt), tables, session.undo);
}

/** After a ROLLBACK: puts back sequences that had to be moved with setval (not transactional). */
async function undoSequences(session: Session, say: (line: string) => void): Promise<void> {
  for (const stmt of session.undo.splice(0)) {
    await session.run(stmt).catch((err: Error) => say(`could not restore a sequence: ${err.message}`));
  }
}

interface PerTableInput {
  outcome: RunOutcome;
  state: ImportState | null;
  order: LoadTable[];
  fks: LiveForeignKey[];
  droppable: LiveForeignKey[];
  truncated: { schema: string; name: string; only?: boolean }[];
  live: LiveTarget;
}

/**
 * `per-table`: one transaction for the setup (dropped keys + the one TRUNCATE), one per table, one for
 * the end (keys, sequences). The state file is written before the setup commits (so dropped keys are
 * never only in the target's memory) and after each table commits. A table found non-empty on resume
 * was committed by a run that died before writing the state: it counts as done when its row count
 * equals the manifest's.
 */
async function runPerTable(
  session: Session,
  manifest: Manifest,
  options: LoadOptions,
  ctx: RunContext,
  input: PerTableInput,
): Promise<RunOutcome> {
  const { outcome, order, fks, droppable, truncated, live } = input;
  const now = new Date().toISOString();
  const state: ImportState = input.state ?? {
    stateVersion: 1,
    planHash: manifest.planHash,
    target: ctx.target,
    strategy: outcome.strategy,
    tables: order.map((t) => t.target),
    phase: 'loading',
    done: [],
    droppedForeignKeys: droppable,
    startedAt: now,
    updatedAt: now,
  };
  if (outcome.strategy === 'replica') await session.run('SET session_replication_role = replica');
  if (state.phase === 'preparing' || !input.state) {
    // Recorded before the COMMIT: if the process dies right after it, the dropped keys are in the file.
    await writeState(options.dir, { ...state, phase: 'preparing' });
    await session.run('BEGIN');
    try {
      await prepare(
        session,
        outcome.strategy,
        fks,
        presentNow(droppable, live),
        truncated,
        'session',
        ctx.schema,
      );
      await session.run('COMMIT');
    } catch (err) {
      await session.run('ROLLBACK').catch(() => {});
      throw err;
    }
    state.phase = 'loading';
    await writeState(options.dir, state);
  }
  // Tables at once, each on its own connection and in its own transaction. `ordered` checks keys row by
  // row, so a child must wait for its parents' COMMIT: one connection there.
  const queue = order.filter((table) => {
    if (!state.done.includes(table.target)) return true;
    outcome.resumed.push(table.target);
    return false;
  });
  const units = splitUnits(queue, options, ctx, state, outcome.strategy);
  // Connections for the tables and the ranges of split tables alike.
  const jobs = outcome.strategy === 'ordered' ? 1 : Math.max(1, Math.min(options.jobs ?? 1, units.length));
  const sessions = [session, ...(await ctx.more(jobs - 1))];
  if (outcome.strategy === 'replica') {
    for (const extra of sessions.slice(1)) await extra.run('SET session_replication_role = replica');
  }
  let failure: unknown = null;
  const loadTable = async (s: Session, table: LoadTable) => {
    await s.run('BEGIN');
    let loaded: RunOutcome['loaded'][number] | undefined;
    try {
      if (await alreadyCommitted(s, table)) {
        await s.run('ROLLBACK');
        outcome.resumed.push(table.target);
      } else {
        loaded = await loadOne(s, table, ctx, options, outcome, false);
        outcome.loaded.push(loaded);
        await s.run('COMMIT');
        options.onTableLoaded?.(table);
      }
    } catch (err) {
      await s.run('ROLLBACK').catch(() => {});
      throw err;
    }
    state.done.push(table.target);
    await writeState(options.dir, state);
    if (loaded) ctx.say(`committed ${table.target}: ${loaded.rows} rows (per-table)`);
  };
  const loadUnit = async (s: Session, unit: Unit) => {
    if (!unit.part) return loadTable(s, unit.table);
    const split = unit.split!;
    if (!(await split.loadPart(s, unit.part))) return;
    // Every part committed: the indexes come back, and only now is the table done.
    const { rebuilt, ms } = await split.close(s);
    const { table } = unit;
    if (rebuilt.length) outcome.deferredIndexes.push({ table: table.target, indexes: rebuilt, ms });
    const parts = split.parts.length;
    if (split.resumedParts === parts) outcome.resumed.push(table.target);
    else {
      outcome.loaded.push({
        table: table.target,
        rows: split.rows,
        bytes: split.bytes,
        ms: Date.now() - split.started,
        parts,
      });
    }
    delete state.split?.[table.target];
    state.done.push(table.target);
    await writeState(options.dir, state);
    options.onTableLoaded?.(table);
    ctx.say(
      `committed ${table.target}: ${split.rows} rows in ${parts} key ranges (per-table${split.resumedParts ? `, ${split.resumedParts} range(s) committed by an earlier run` : ''})`,
    );
  };
  // A failed table stops new ones from starting; tables already loading finish and commit (resumable).
  await Promise.all(
    sessions.map(async (s) => {
      for (let unit = units.shift(); unit && !failure; unit = units.shift()) {
        try {
          await loadUnit(s, unit);
        } catch (err) {
          failure ??= err;
          ctx.say(
            `rolled back ${unit.table.target}${unit.part ? ` part ${unit.part.index}/${unit.part.of}` : ''}`,
          );
        }
      }
    }),
  );
  if (failure) {
    ctx.say(`committed so far: ${state.done.join(', ') || '(none)'}; re-run to resume after them`);
    throw failure;
  }
  // Re-add what is really missing now (a resumed run may find some keys already back).
  const toAdd = droppable.length
    ? missingNow(droppable, await readLiveTarget(session.client, ctx.schema))
    : [];
  await session.run('BEGIN');
  try {
    outcome.checkedForeignKeys = await restoreForeignKeys(session, outcome.strategy, fks, toAdd);
    await forgetForeignKeys(session.client, runOn(session), ctx.schema);
    outcome.sequences = await resetSequences(session, order);
    await session.run('COMMIT');
  } catch (err) {
    await session.run('ROLLBACK').catch(() => {});
    await undoSequences(session, ctx.say);
    throw err;
  }
  await writeState(options.dir, { ...state, phase: 'completed', droppedForeignKeys: [] });
  return outcome;
}

/** A table, or one key range of a split table: what a per-table connection takes next. */
interface Unit {
  table: LoadTable;
  part?: LoadPart;
  split?: SplitLoad;
}

/** The per-table queue: whole tables, and the parts of split tables side by side (so they run at once). */
function splitUnits(
  queue: LoadTable[],
  options: LoadOptions,
  ctx: RunContext,
  state: ImportState,
  strategy: FkStrategy,
): Unit[] {
  const units: Unit[] = [];
  for (const table of queue) {
    let parts = options.parts?.get(table.table);
    if (parts && parts.length > 1 && ctx.triggers?.get(table.target)?.before.length) {
      ctx.say(
        `${table.target} is loaded whole, not in ${parts.length} key ranges: its triggers are switched around the COPY`,
      );
      parts = undefined;
    }
    if (!parts || parts.length < 2) {
      const before = state.split?.[table.target];
      if (before && (before.done.length || before.droppedIndexes.length)) {
        throw new ConvError(
          `${options.dir}/import_state.json: ${table.target} was being loaded in ${before.parts} key ranges, this run loads it whole: cannot resume`,
          {
            code: 'import.state-mismatch',
            exit: ExitCode.usage,
            at: { table: table.target, file: options.dir },
            hint: 'Resume with the same --jobs and --split-min-mb as the interrupted run, or remove import_state.json to start again.',
          },
        );
      }
      units.push({ table });
      continue;
    }
    const split = new SplitLoad(table, parts, {
      dir: options.dir,
      state,
      deferIndexes: options.deferIndexes !== false,
      replica: strategy === 'replica',
      stall: ctx.stall,
      progress: ctx.progress,
      copy: options.copy,
      onIndexBuilt: () => indexBuilt(ctx),
    });
    ctx.say(`${table.target}: loaded in ${parts.length} key ranges, each its own COPY and transaction`);
    for (const part of parts) units.push({ table, part, split });
  }
  return units;
}

/** Keys of the list that the catalog does not have (really dropped). */
function missingNow(keys: LiveForeignKey[], live: LiveTarget): LiveForeignKey[] {
  const present = new Set(live.foreignKeys.map(fkKey));
  return keys.filter((fk) => !present.has(fkKey(fk)));
}

/** Keys of the list that the catalog still has (to drop). */
function presentNow(keys: LiveForeignKey[], live: LiveTarget): LiveForeignKey[] {
  const present = new Set(live.foreignKeys.map(fkKey));
  return keys.filter((fk) => present.has(fkKey(fk)));
}

async function alreadyCommitted(session: Session, table: LoadTable): Promise<boolean> {
  const rows = await session.run<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${quotePgQualified(table.schema, table.target)}`,
  );
  const n = Number(rows[0]?.n ?? 0);
  if (n === 0) return false;
  if (n === table.rows) return true;
  throw new ConvError(
    `${table.schema}.${table.target} holds ${n} rows while resuming (expected 0, or ${table.rows} if it had been committed): it changed outside the import`,
    {
      code: 'import.resume-conflict',
      exit: ExitCode.loadFailed,
      at: { table: table.target },
      hint: 'Remove import_state.json and run the import again from the beginning.',
    },
  );
}
