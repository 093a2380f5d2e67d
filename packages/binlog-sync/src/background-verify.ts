import type { Manifest } from '@conv/core';
import { type VerifyReport, verifyKeys, verifyMigration } from '@conv/verify';
import pg from 'pg';
import { groupKeys, jsonKey } from './keys.js';
import type { BinlogPosition } from './position.js';
import {
  changedKeysSince,
  clearChangedKeys,
  type KeyEntry,
  movePoint,
  type VerifyPoint,
  writeVerifyPoint,
} from './state.js';

/** Most differing rows a background verify lists per table; more, and the verify is `incomplete`. */
const MAX_DEFERRED_PER_TABLE = 10_000;

export interface BackgroundVerify {
  /** The latest reference point (after the last settle round). */
  point: VerifyPoint;
  /** The full verify's report. */
  report: VerifyReport;
  /** Duration of the full verify. */
  ms: number;
  /** Settle rounds run after it, and the keys the last one compared. */
  rounds: number;
  lastRoundKeys: number;
}

export interface SettleRound {
  round: number;
  keys: number;
  ms: number;
  tag: number;
  deferred: number;
}

export interface BackgroundVerifyOptions {
  mysqlUrl: string;
  pgUrl: string;
  manifest: Manifest;
  schema: string;
  source: string;
  /** The applied position now (no batch in flight): the verify's reference point. */
  point: Pick<VerifyPoint, 'snapshot' | 'tag' | 'file' | 'position'>;
  /** The apply's connection, used only before the verify starts (between two batches). */
  writer: pg.ClientBase;
  /** Applied-change count and position, as committed now. */
  applied: () => { tag: number; position: BinlogPosition };
  /** False once the sync stops: the settle rounds end. */
  running: () => boolean;
  /** Pause between settle rounds (default 1,000 ms). */
  settleMs?: number;
  /** After the full verify (before the settle rounds). */
  onFull?: (v: BackgroundVerify) => void;
  /** After each settle round: keys compared, how long it took, the new reference. */
  onSettle?: (round: SettleRound) => void;
  /** Aborted when the sync stops: a settle round in progress is abandoned (the previous point stays). */
  signal: AbortSignal;
  log: (line: string) => void;
}

function deferredOf(report: VerifyReport): KeyEntry[] {
  return report.tables.flatMap((t) =>
    t.mismatches.map((m) => ({
      t: t.table,
      s: m.sourceKey ? jsonKey(m.sourceKey) : null,
      k: m.targetKey ?? null,
    })),
  );
}

function statusOf(report: VerifyReport): { status: VerifyPoint['status']; why: string | null } {
  const constraints = report.constraints ?? [];
  if (constraints.length)
    return { status: 'failed', why: `${constraints.length} foreign key(s) missing or NOT VALID` };
  const truncated = report.tables.filter((t) => t.mismatchesTruncated).map((t) => t.table);
  if (truncated.length)
    return {
      status: 'incomplete',
      why: `more than ${MAX_DEFERRED_PER_TABLE} rows differed in ${truncated.join(', ')}: too many to recheck at the cut-over`,
    };
  return { status: 'ok', why: null };
}

/**
 * A full verify (counts + checksums, every differing chunk compared row by row) while the sync applies
 * changes, then settle rounds until the sync stops. Rows found different were (or may have been) read at
 * different moments on the two sides: they are kept (`deferred`). Each settle round takes the applied
 * count as the new reference, compares the deferred rows and every key changed since the previous
 * reference row by row, and keeps the ones that differ: the cut-over is left with the keys changed since
 * the last round (seconds of writes), not since the full verify began (which grows with the database).
 * Status: `ok`, `incomplete` (too many rows differed to keep them: the cut-over verifies in full),
 * `failed` (foreign keys missing or NOT VALID).
 */
export function runBackgroundVerify(o: BackgroundVerifyOptions): {
  started: Promise<void>;
  done: Promise<BackgroundVerify>;
} {
  const point: VerifyPoint = { ...o.point, status: 'running', deferred: [], summary: null };
  // Keys recorded so far are all up to this point (or of another snapshot): the new point needs none.
  const started = clearChangedKeys(o.writer, o.schema, o.source).then(() =>
    writeVerifyPoint(o.writer, o.schema, o.source, point),
  );
  const done = started.then(async () => {
    const t0 = Date.now();
    o.log(
      `background verify started (reference: ${point.tag} changes applied, binlog ${point.file}:${point.position})`,
    );
    const report = await verifyMigration({
      mysqlUrl: o.mysqlUrl,
      pgUrl: o.pgUrl,
      plan: o.manifest.plan,
      mode: 'full',
      maxMismatches: MAX_DEFERRED_PER_TABLE,
      diffChunks: Number.MAX_SAFE_INTEGER,
      rawKeys: true,
    });
    const { status, why } = statusOf(report);
    const deferred = deferredOf(report);
    const summary =
      why ??
      `${report.totals.sourceRows} source rows verified; ${deferred.length} row(s) differed while changing, compared again later`;
    Object.assign(point, { status, deferred, summary });
    // Its own connection: the apply's is inside a batch transaction by now.
    const client = new pg.Client({ connectionString: o.pgUrl, application_name: 'conv sync verify' });
    client.on('error', () => {});
    await client.connect();
    const result: BackgroundVerify = { point, report, ms: Date.now() - t0, rounds: 0, lastRoundKeys: 0 };
    try {
      await movePoint(client, o.schema, o.source, point);
      o.log(`background verify ${status} in ${(result.ms / 1000).toFixed(1)} s: ${summary}`);
      o.onFull?.(result);
      while (point.status === 'ok' && o.running()) {
        const until = Date.now() + (o.settleMs ?? 1000);
        while (Date.now() < until && o.running()) await new Promise((r) => setTimeout(r, 100));
        if (!o.running()) break;
        // The reference is read before the keys: every key up to it is committed and in the query.
        const now = o.applied();
        if (now.tag === point.tag && point.deferred.length === 0) continue;
        const r0 = Date.now();
        const entries = [
          ...point.deferred,
          ...(await changedKeysSince(client, o.schema, o.source, point.tag)),
        ];
        let r: VerifyReport;
        try {
          r = await verifyKeys({
            mysqlUrl: o.mysqlUrl,
            pgUrl: o.pgUrl,
            plan: o.manifest.plan,
            keys: groupKeys(entries, o.manifest.plan),
            maxMismatches: MAX_DEFERRED_PER_TABLE,
            rawKeys: true,
            signal: o.signal,
          });
        } catch (err) {
          if (o.signal.aborted) break; // the sync stopped: the previous point stays valid
          throw err;
        }
        const settled = statusOf(r);
        Object.assign(point, {
          tag: now.tag,
          file: now.position.file,
          position: now.position.position,
          status: settled.status,
          deferred: deferredOf(r),
          summary:
            settled.why ??
            `${report.totals.sourceRows} source rows verified, then ${result.rounds + 1} settle round(s); ${deferredOf(r).length} row(s) differed while changing, compared again later`,
        });
        await movePoint(client, o.schema, o.source, point);
        result.rounds++;
        result.lastRoundKeys = entries.length;
        const round = {
          round: result.rounds,
          keys: entries.length,
          ms: Date.now() - r0,
          tag: point.tag,
          deferred: point.deferred.length,
        };
        o.log(
          `settle round ${round.round}: ${round.keys} key(s) compared in ${(round.ms / 1000).toFixed(1)} s, ${round.deferred} deferred; reference ${round.tag} changes`,
        );
        o.onSettle?.(round);
      }
    } finally {
      await client.end().catch(() => {});
    }
    if (result.rounds)
      o.log(
        `background verify: ${result.rounds} settle round(s), the last compared ${result.lastRoundKeys} key(s); reference ${point.tag} changes, ${point.deferred.length} deferred`,
      );
    return result;
  });
  return { started, done };
}
