import { ConvError, ExitCode, type Manifest, quotePgQualified, redactText } from '@conv/core';
import { connectMysql, EXACT_READ_OPTIONS } from '@conv/dialect/mysql';
import { connectPg } from '@conv/dialect/postgres';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import {
  applyChanges,
  buildAppliers,
  type EncodedChange,
  encodeRow,
  rawRows,
  type TableApplier,
} from './apply.js';
import { type BackgroundVerify, runBackgroundVerify, type SettleRound } from './background-verify.js';
import { advanceGtid, snapshotGtid } from './gtid.js';
import { jsonKey } from './keys.js';
import { type BinlogPosition, comparePositions, formatPosition } from './position.js';
import { checkPreconditions, type PreconditionReport } from './preconditions.js';
import { type SourceTxn, startReader } from './reader.js';
import { binlogFiles, currentBinlogPosition, type SourceFlavor, sourceFlavor } from './source.js';
import {
  CHANGED_TABLE,
  ensurePositionTable,
  ensureVerifyTables,
  type KeyEntry,
  readPosition,
  readVerifyPoint,
  type StoredPosition,
  writePosition,
} from './state.js';
import { applyTransforms } from './transforms.js';

export interface SyncProgress {
  /** Last position applied (and stored) in PostgreSQL. */
  position: BinlogPosition;
  appliedEvents: number;
  appliedTransactions: number;
  /** Row changes read from the binlog and not yet applied. */
  queuedEvents: number;
  /** Age of the oldest change not yet applied (0 when caught up). */
  secondsBehind: number;
  /** Executed GTIDs up to `position` (MariaDB gtid_binlog_pos / MySQL gtid_executed form), null if unknown. */
  gtid: string | null;
}

export interface SyncOptions {
  mysqlUrl: string;
  pgUrl: string;
  /** The manifest of the export that was imported: plan, database, snapshot position. */
  manifest: Manifest;
  /** Stop once this position is applied; `caught-up`: the source's position when the sync starts. */
  until?: BinlogPosition | 'caught-up';
  /** Replica server id of the binlog connection (unique among the source's replicas; default random). */
  serverId?: number;
  /** Row changes per PostgreSQL transaction, at most (whole source transactions; default 5,000). */
  batchEvents?: number;
  /**
   * Row changes read ahead of the apply, at most (default 20,000): above it the binlog socket is paused
   * until the apply has taken half of them. One source transaction is always read whole.
   */
  maxQueuedEvents?: number;
  /**
   * Where a restart resumes: `auto` (default) the stored file+position while that file is on the server,
   * else the stored GTID; `gtid` always the stored GTID (after a fail-over to another server of the same
   * replication topology); `position` never the GTID.
   */
  resumeBy?: 'auto' | 'position' | 'gtid';
  /**
   * Once caught up, run a full verify (counts + checksums) in the background while the sync goes on; the
   * cut-over then compares only the rows changed since it began (see README: cut-over window). `true`:
   * unless one of this snapshot already finished `ok`; `again`: a new one in any case.
   */
  verify?: boolean | 'again';
  /** Pause between the background verify's settle rounds (default 1,000 ms). */
  settleMs?: number;
  onVerify?: (v: BackgroundVerify) => void;
  /** After each settle round of the background verify (the cut-over compares about one round of keys). */
  onSettle?: (round: SettleRound) => void;
  onProgress?: (p: SyncProgress) => void;
  log?: (line: string) => void;
}

export interface SyncResult {
  start: BinlogPosition;
  position: BinlogPosition;
  appliedEvents: number;
  appliedTransactions: number;
  /** Whole run, and PostgreSQL time only. */
  durationMs: number;
  /** Why it ended. */
  reason: 'reached' | 'stopped';
  preconditions: PreconditionReport;
  /** Executed GTIDs up to `position`, null if unknown. */
  gtid: string | null;
  /** How it started: the import's snapshot, or resumed by stored file+position or by stored GTID. */
  startedFrom: 'snapshot' | 'position' | 'gtid';
  /** Most row changes that were read ahead of the apply at once. */
  maxQueuedEvents: number;
  /** The background verify of this run (options.verify), once it finished. */
  verify: BackgroundVerify | null;
}

export interface SyncHandle {
  readonly start: BinlogPosition;
  readonly flavor: SourceFlavor;
  /** Ends after `p` is applied (the cut-over's final position). */
  stopAt(p: BinlogPosition): void;
  /** Ends after the batch being applied is committed. */
  stop(): void;
  done: Promise<SyncResult>;
  /** A MySQL connection of the sync (exact-read options) for status queries. */
  mysql: mysql.Connection;
  /** Row changes read from the binlog and not yet applied (bounded by maxQueuedEvents). */
  queuedEvents(): number;
}

/** Identity of the source in conv_sync_position (host:port/database, no credentials). */
export function sourceKey(manifest: Manifest): string {
  return `${manifest.source.server}/${manifest.source.database}`;
}

/** Identity of the snapshot the target was loaded from: a position stored for another snapshot is stale. */
export function snapshotKey(manifest: Manifest): string {
  const s = manifest.source.snapshot;
  return `${manifest.startedAt} ${s.binlogFile}:${s.binlogPosition}`;
}

function snapshotStart(manifest: Manifest): BinlogPosition {
  const s = manifest.source.snapshot;
  if (!s.binlogFile || s.binlogPosition === null || !s.consistent) {
    throw new ConvError(
      `the export of ${manifest.source.database} (${manifest.startedAt}) recorded no binlog position for its snapshot, so there is no exact point to catch up from`,
      {
        code: 'sync.no-position',
        exit: ExitCode.badInput,
        hint: 'export again with the binlog on and either MariaDB, or several export connections (the FLUSH TABLES WITH READ LOCK moment records SHOW MASTER STATUS; needs RELOAD and REPLICATION CLIENT), then import and sync',
      },
    );
  }
  return { file: s.binlogFile, position: s.binlogPosition };
}

function connectTarget(url: string): Promise<pg.Client> {
  return connectPg(url, { application: 'conv sync' });
}

/**
 * Starts following the source's binlog from the imported snapshot (or from where the last sync stopped)
 * and applying every committed change of the planned tables to PostgreSQL, in commit order, in
 * transactions that also store the position they reach (exactly once across crashes and restarts).
 */
export async function startSync(options: SyncOptions): Promise<SyncHandle> {
  const { manifest } = options;
  const log = options.log ?? (() => {});
  const database = manifest.source.database;
  const schema = manifest.plan.target.schema;
  const snapshotStartPos = snapshotStart(manifest);
  const appliers = buildAppliers(manifest.plan);
  const my = await connectMysql(options.mysqlUrl, database);
  let client: pg.Client | undefined;
  try {
    const flavor = await sourceFlavor(my);
    client = await connectTarget(options.pgUrl);
    await ensurePositionTable(client, schema);
    const source = sourceKey(manifest);
    // One sync per source and target at a time: two would apply the same transactions twice.
    const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
      `conv sync ${source}`,
    ]);
    if (!lock.rows[0]?.ok) {
      throw new ConvError(
        `another conv sync (or cutover) is applying the binlog of ${source} to this database`,
        {
          code: 'sync.busy',
          exit: ExitCode.usage,
          hint: 'stop it first (Ctrl-C ends it after its current batch), then run this command again',
        },
      );
    }
    const snapshot = snapshotKey(manifest);
    const stored = await readPosition(client, schema, source);
    const resume = stored && stored.snapshot === snapshot ? stored : null;
    if (stored && !resume)
      log(
        `conv_sync_position held a position of another snapshot (${stored.snapshot}): starting from this export's snapshot`,
      );
    const start: BinlogPosition = resume ?? snapshotStartPos;
    const byGtid = await gtidResume(my, resume, options.resumeBy ?? 'auto');
    const preconditions = await checkPreconditions(my, flavor, byGtid === undefined ? start : null);
    for (const w of preconditions.warnings) log(`warning: ${w}`);
    const gtid = resume ? resume.gtid : await snapshotGtid(my, flavor, manifest);
    log(
      byGtid !== undefined
        ? `resuming by GTID ${byGtid || "''"} (${resume!.events} changes applied before; the stored position ${formatPosition(start)} is not used)`
        : `${resume ? 'resuming' : 'starting'} at binlog ${formatPosition(start)}${resume ? ` (${resume.events} changes applied before)` : ' (the snapshot of the import)'}${gtid === null ? '; GTID unknown: resume by file+position only' : `, GTID ${gtid || "''"}`}`,
    );
    await ensureVerifyTables(client, schema);
    const point = await readVerifyPoint(client, schema, source);
    const caughtUp = await currentBinlogPosition(my);
    let target: BinlogPosition | undefined =
      options.until === 'caught-up' ? await currentBinlogPosition(my) : options.until;
    return run(options, {
      my,
      client,
      flavor,
      start,
      resume,
      appliers,
      schema,
      source,
      snapshot,
      preconditions,
      target,
      log,
      gtid,
      byGtid,
      caughtUp,
      recordKeys: point !== null && point.snapshot === snapshot,
      verified: point !== null && point.snapshot === snapshot && point.status === 'ok',
      setTarget: (t) => {
        target = t;
      },
      getTarget: () => target,
    });
  } catch (err) {
    await my.end().catch(() => {});
    await client?.end().catch(() => {});
    throw err;
  }
}

interface RunState {
  my: mysql.Connection;
  client: pg.Client;
  flavor: SourceFlavor;
  start: BinlogPosition;
  resume: StoredPosition | null;
  appliers: Map<string, TableApplier>;
  schema: string;
  source: string;
  snapshot: string;
  preconditions: PreconditionReport;
  target: BinlogPosition | undefined;
  log: (line: string) => void;
  gtid: string | null;
  /** Set when resuming by GTID: the GTID set/position given to the server. */
  byGtid: string | undefined;
  /** The source's position when the sync started: the background verify waits until it is applied. */
  caughtUp: BinlogPosition;
  /** Whether applied keys are recorded (a background verify point exists for this snapshot). */
  recordKeys: boolean;
  /** A background verify of this snapshot already finished ok. */
  verified: boolean;
  setTarget(t: BinlogPosition): void;
  getTarget(): BinlogPosition | undefined;
}

function run(options: SyncOptions, s: RunState): SyncHandle {
  const { my, client, appliers, schema } = s;
  const database = options.manifest.source.database;
  const batchEvents = options.batchEvents ?? 5000;
  const maxQueued = Math.max(1, options.maxQueuedEvents ?? 20_000);
  const t0 = Date.now();
  const queue: SourceTxn[] = [];
  let queuedEvents = 0;
  let maxSeen = 0;
  let paused = false;
  let recordKeys = s.recordKeys;
  let background: Promise<BackgroundVerify | null> | undefined;
  let verified: BackgroundVerify | null = null;
  let ended = false;
  const stopVerify = new AbortController();
  let stopping = false;
  let readerError: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // Resuming by GTID, the server picks the file: no position is known until the first transaction.
  const stored: StoredPosition = {
    snapshot: s.snapshot,
    file: s.byGtid !== undefined ? '' : s.start.file,
    position: s.byGtid !== undefined ? 0 : s.start.position,
    gtid: s.gtid,
    events: s.resume?.events ?? 0,
    transactions: s.resume?.transactions ?? 0,
  };
  const counts = { events: 0, txns: 0 };

  const reader = startReader({
    connection: { uri: options.mysqlUrl, ...EXACT_READ_OPTIONS },
    database,
    tables: [...appliers.keys()],
    start: s.start,
    ...(s.byGtid !== undefined ? { gtidSet: s.byGtid } : {}),
    serverId: options.serverId ?? 1000 + Math.floor(Math.random() * 2 ** 30),
    onTxn: (txn) => {
      queue.push(txn);
      queuedEvents += txn.changes.length;
      maxSeen = Math.max(maxSeen, queuedEvents);
      // Back-pressure: the apply is behind; read on once it has taken half.
      if (queuedEvents > maxQueued && !paused) {
        paused = true;
        reader.pause();
      }
      poke();
    },
    onError: (err) => {
      readerError = err;
      poke();
    },
  });

  const progress = () =>
    options.onProgress?.({
      position: { file: stored.file, position: stored.position },
      appliedEvents: counts.events,
      appliedTransactions: counts.txns,
      queuedEvents,
      secondsBehind: queue.length ? Math.max(0, (Date.now() - queue[0]!.timestamp) / 1000) : 0,
      gtid: stored.gtid,
    });

  const reached = () => {
    const t = s.getTarget();
    return t !== undefined && comparePositions(stored, t) >= 0;
  };

  async function encode(txns: SourceTxn[]): Promise<{ changes: EncodedChange[]; keys: KeyEntry[] }> {
    const out: EncodedChange[] = [];
    const keys = new Map<string, KeyEntry>();
    for (const txn of txns) {
      const where = `binlog ${formatPosition(txn.end)}`;
      for (const change of txn.changes) {
        const applier = appliers.get(change.table);
        if (!applier) continue;
        const { before, after } = rawRows(applier, change);
        // The source key before transforms: what MySQL itself stores, to look the row up in the verify.
        const srcKey = (row: unknown[]) => jsonKey(applier.keyIndexes.map((i) => row[i]));
        const beforeKey = before && srcKey(before);
        const afterKey = after && srcKey(after);
        const ti = applier.transformIndexes;
        if (after) await applyTransforms(my, database, applier.table, ti, after);
        if (before && ti.some((i) => applier.keyIndexes.includes(i)))
          await applyTransforms(my, database, applier.table, ti, before);
        const enc: EncodedChange = { applier, kind: change.kind };
        if (after) enc.values = encodeRow(applier, after, where);
        if (before) enc.key = encodeRow(applier, before, where, applier.keyIndexes);
        out.push(enc);
        if (recordKeys) {
          const add = (s: unknown[], k: (string | null)[]) => {
            const e: KeyEntry = { t: change.table, s, k };
            keys.set(JSON.stringify(e), e);
          };
          if (beforeKey && enc.key) add(beforeKey, enc.key);
          if (afterKey && enc.values)
            add(
              afterKey,
              applier.keyIndexes.map((i) => enc.values![i]!),
            );
        }
      }
    }
    return { changes: out, keys: [...keys.values()] };
  }

  async function applyBatch(txns: SourceTxn[]): Promise<void> {
    const { changes, keys } = await encode(txns);
    const last = txns.at(-1)!;
    const gtids = txns.flatMap((t) => (t.gtid ? [t.gtid] : []));
    await client.query('BEGIN');
    try {
      await applyChanges(client, changes);
      const next: StoredPosition = {
        ...stored,
        file: last.end.file,
        position: last.end.position,
        // Every transaction passed (applied or not ours) is in the set: a GTID resume skips exactly them.
        gtid: stored.gtid === null ? null : advanceGtid(stored.gtid, gtids, s.flavor.mariadb),
        events: stored.events + changes.length,
        transactions: stored.transactions + txns.filter((t) => t.changes.length).length,
      };
      if (keys.length) await recordChangedKeys(client, schema, s.source, next.events, keys);
      await writePosition(client, schema, s.source, next);
      await client.query('COMMIT');
      Object.assign(stored, next);
      counts.events += changes.length;
      counts.txns += txns.filter((t) => t.changes.length).length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (err instanceof ConvError) throw err;
      throw new ConvError(
        `PostgreSQL refused the binlog changes up to ${formatPosition(last.end)}: ${(err as Error).message}`,
        {
          code: 'sync.apply',
          exit: ExitCode.loadFailed,
          hint: 'nothing of this batch was applied; the position stays before it. Fix the cause and run sync again',
          cause: err,
        },
      );
    }
  }

  async function loop(): Promise<SyncResult> {
    let idleSince = Date.now();
    while (true) {
      if (readerError)
        throw readerError instanceof ConvError
          ? readerError
          : new ConvError(
              `reading the binlog failed: ${redactText(readerError.message, [options.mysqlUrl])}`,
              {
                code: 'sync.read',
                exit: ExitCode.connection,
                hint: 'check the source is reachable and the binlog file still exists, then run sync again (it resumes where it stopped)',
                cause: readerError,
              },
            );
      const wantVerify = options.verify === 'again' || (options.verify === true && !s.verified);
      if (wantVerify && !background && queue.length === 0 && comparePositions(stored, s.caughtUp) >= 0)
        await startBackgroundVerify();
      if (reached()) return result('reached');
      if (stopping) return result('stopped');
      if (queue.length === 0) {
        // Nothing emitted but the stream has moved (events zongji does not surface): store that position.
        const here = reader.position();
        const t = s.getTarget();
        if (
          t &&
          here.file !== '' &&
          Date.now() - idleSince > 300 &&
          comparePositions(here, t) >= 0 &&
          comparePositions(here, stored) > 0
        ) {
          await applyBatch([{ changes: [], end: here, gtid: undefined, timestamp: Date.now() }]);
          progress();
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(poke, 200);
        });
        continue;
      }
      const take: SourceTxn[] = [];
      let n = 0;
      while (queue.length && (take.length === 0 || n + queue[0]!.changes.length <= batchEvents)) {
        const txn = queue.shift()!;
        n += txn.changes.length;
        take.push(txn);
      }
      queuedEvents -= n;
      if (paused && queuedEvents <= maxQueued / 2) {
        paused = false;
        reader.resume();
      }
      await applyBatch(take);
      idleSince = Date.now();
      progress();
    }
  }

  /**
   * Starts the full verify between two batches: the applied-change count now is its reference point, every
   * key applied after it is recorded, and those (with the rows that differed while it read) are what the
   * cut-over compares again.
   */
  async function startBackgroundVerify(): Promise<void> {
    recordKeys = true;
    const run = runBackgroundVerify({
      mysqlUrl: options.mysqlUrl,
      pgUrl: options.pgUrl,
      manifest: options.manifest,
      schema,
      source: s.source,
      point: { snapshot: s.snapshot, tag: stored.events, file: stored.file, position: stored.position },
      writer: client,
      applied: () => ({ tag: stored.events, position: { file: stored.file, position: stored.position } }),
      running: () => !ended,
      signal: stopVerify.signal,
      ...(options.onSettle ? { onSettle: options.onSettle } : {}),
      ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
      onFull: (v) => {
        verified = v;
        options.onVerify?.(v);
      },
      log: s.log,
    });
    background = run.done.then(
      (v) => {
        verified = v;
        return v;
      },
      (err) => {
        s.log(`background verify failed: ${(err as Error).message}`);
        return null;
      },
    );
    await run.started;
  }

  const result = (reason: SyncResult['reason']): SyncResult => ({
    start: s.start,
    position: { file: stored.file, position: stored.position },
    appliedEvents: counts.events,
    appliedTransactions: counts.txns,
    durationMs: Date.now() - t0,
    reason,
    preconditions: s.preconditions,
    gtid: stored.gtid,
    startedFrom: s.byGtid !== undefined ? 'gtid' : s.resume ? 'position' : 'snapshot',
    maxQueuedEvents: maxSeen,
    verify: verified,
  });

  const finish = async () => {
    ended = true;
    stopVerify.abort();
    reader.stop();
    // A full verify still running is waited for (cut short, its point would stay unusable); a settle round
    // is abandoned at its next lookup (aborted above) and writes nothing more: no need to wait for it.
    if (background && !verified) {
      s.log('waiting for the background verify to finish');
      await background;
    }
    await client.end().catch(() => {});
  };
  const done = loop().then(
    async (r) => {
      await finish();
      return { ...r, verify: verified };
    },
    async (err) => {
      await finish();
      throw err;
    },
  );
  done.catch(() => {});
  return {
    start: s.start,
    flavor: s.flavor,
    mysql: my,
    stopAt(p) {
      s.setTarget(p);
      poke();
    },
    stop() {
      stopping = true;
      poke();
    },
    queuedEvents: () => queuedEvents,
    done: done.finally(() => my.end().catch(() => {})),
  };
}

/** Where to resume by GTID (undefined: by file+position). */
async function gtidResume(
  my: mysql.Connection,
  resume: StoredPosition | null,
  mode: 'auto' | 'position' | 'gtid',
): Promise<string | undefined> {
  if (!resume || mode === 'position') return undefined;
  if (mode === 'gtid' || !(await binlogFiles(my)).includes(resume.file)) {
    if (resume.gtid !== null) return resume.gtid;
    if (mode === 'gtid') {
      throw new ConvError(
        'no GTID is stored with the applied position (the source had none at the snapshot), so the sync cannot resume by GTID',
        {
          code: 'sync.no-gtid',
          exit: ExitCode.usage,
          hint: 'resume by file+position (without --resume-by gtid), or export and import again',
        },
      );
    }
  }
  return undefined;
}

async function recordChangedKeys(
  client: pg.ClientBase,
  schema: string,
  source: string,
  tag: number,
  keys: KeyEntry[],
): Promise<void> {
  await client.query(
    `INSERT INTO ${quotePgQualified(schema, CHANGED_TABLE)} (source, tag, tbl, src, tgt)
     SELECT $1, $2, e->>'t', e->'s', e->'k' FROM jsonb_array_elements($3::jsonb) e`,
    [source, tag, JSON.stringify(keys)],
  );
}
