import { ConvError, ExitCode, type Manifest, redactText } from '@conv/core';
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
import { type BinlogPosition, comparePositions, formatPosition } from './position.js';
import { checkPreconditions, type PreconditionReport } from './preconditions.js';
import { type SourceTxn, startReader } from './reader.js';
import { currentBinlogPosition, type SourceFlavor, sourceFlavor } from './source.js';
import { ensurePositionTable, readPosition, type StoredPosition, writePosition } from './state.js';
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
      'sync.no-position',
      ExitCode.badInput,
      {},
      'export again with the binlog on and either MariaDB, or several export connections (the FLUSH TABLES WITH READ LOCK moment records SHOW MASTER STATUS; needs RELOAD and REPLICATION CLIENT), then import and sync',
    );
  }
  return { file: s.binlogFile, position: s.binlogPosition };
}

function connectTarget(url: string): Promise<pg.Client> {
  return connectPg(url, { application: 'conv sync', code: 'sync.connect' });
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
        'sync.busy',
        ExitCode.usage,
        {},
        'stop it first (Ctrl-C ends it after its current batch), then run this command again',
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
    const preconditions = await checkPreconditions(my, flavor, start);
    for (const w of preconditions.warnings) log(`warning: ${w}`);
    log(
      `${resume ? 'resuming' : 'starting'} at binlog ${formatPosition(start)}${resume ? ` (${resume.events} changes applied before)` : ' (the snapshot of the import)'}`,
    );
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
  setTarget(t: BinlogPosition): void;
  getTarget(): BinlogPosition | undefined;
}

function run(options: SyncOptions, s: RunState): SyncHandle {
  const { my, client, appliers, schema } = s;
  const database = options.manifest.source.database;
  const batchEvents = options.batchEvents ?? 5000;
  const t0 = Date.now();
  const queue: SourceTxn[] = [];
  let queuedEvents = 0;
  let stopping = false;
  let readerError: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stored: StoredPosition = {
    snapshot: s.snapshot,
    file: s.start.file,
    position: s.start.position,
    gtid: s.resume?.gtid ?? null,
    events: s.resume?.events ?? 0,
    transactions: s.resume?.transactions ?? 0,
  };
  const counts = { events: 0, txns: 0 };

  const reader = startReader({
    connection: { uri: options.mysqlUrl, ...EXACT_READ_OPTIONS },
    database,
    tables: [...appliers.keys()],
    start: s.start,
    serverId: options.serverId ?? 1000 + Math.floor(Math.random() * 2 ** 30),
    onTxn: (txn) => {
      queue.push(txn);
      queuedEvents += txn.changes.length;
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
    });

  const reached = () => {
    const t = s.getTarget();
    return t !== undefined && comparePositions(stored, t) >= 0;
  };

  async function encode(txns: SourceTxn[]): Promise<EncodedChange[]> {
    const out: EncodedChange[] = [];
    for (const txn of txns) {
      const where = `binlog ${formatPosition(txn.end)}`;
      for (const change of txn.changes) {
        const applier = appliers.get(change.table);
        if (!applier) continue;
        const { before, after } = rawRows(applier, change);
        const ti = applier.transformIndexes;
        if (after) await applyTransforms(my, database, applier.table, ti, after);
        if (before && ti.some((i) => applier.keyIndexes.includes(i)))
          await applyTransforms(my, database, applier.table, ti, before);
        const enc: EncodedChange = { applier, kind: change.kind };
        if (after) enc.values = encodeRow(applier, after, where);
        if (before) enc.key = encodeRow(applier, before, where, applier.keyIndexes);
        out.push(enc);
      }
    }
    return out;
  }

  async function applyBatch(txns: SourceTxn[]): Promise<void> {
    const changes = await encode(txns);
    const last = txns.at(-1)!;
    await client.query('BEGIN');
    try {
      await applyChanges(client, changes);
      const next: StoredPosition = {
        ...stored,
        file: last.end.file,
        position: last.end.position,
        gtid: [...txns].reverse().find((t) => t.gtid)?.gtid ?? stored.gtid,
        events: stored.events + changes.length,
        transactions: stored.transactions + txns.filter((t) => t.changes.length).length,
      };
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
        'sync.apply',
        ExitCode.loadFailed,
        {},
        'nothing of this batch was applied; the position stays before it. Fix the cause and run sync again',
        { cause: err },
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
              'sync.read',
              ExitCode.connection,
              {},
              'check the source is reachable and the binlog file still exists, then run sync again (it resumes where it stopped)',
              { cause: readerError },
            );
      if (reached()) return result('reached');
      if (stopping) return result('stopped');
      if (queue.length === 0) {
        // Nothing emitted but the stream has moved (events zongji does not surface): store that position.
        const here = reader.position();
        const t = s.getTarget();
        if (
          t &&
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
      await applyBatch(take);
      idleSince = Date.now();
      progress();
    }
  }

  const result = (reason: SyncResult['reason']): SyncResult => ({
    start: s.start,
    position: { file: stored.file, position: stored.position },
    appliedEvents: counts.events,
    appliedTransactions: counts.txns,
    durationMs: Date.now() - t0,
    reason,
    preconditions: s.preconditions,
  });

  const done = loop().finally(async () => {
    reader.stop();
    await client.end().catch(() => {});
  });
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
    done: done.finally(() => my.end().catch(() => {})),
  };
}
