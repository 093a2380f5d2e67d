import type { Manifest } from '@conv/core';
import { type VerifyReport, verifyMigration } from '@conv/verify';
import pg from 'pg';
import { jsonKey } from './keys.js';
import { type KeyEntry, pruneChangedKeys, type VerifyPoint, writeVerifyPoint } from './state.js';

/** Most differing rows a background verify lists per table; more, and the verify is `incomplete`. */
const MAX_DEFERRED_PER_TABLE = 10_000;

export interface BackgroundVerify {
  point: VerifyPoint;
  report: VerifyReport;
  ms: number;
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
  log: (line: string) => void;
}

/**
 * A full verify (counts + checksums, every differing chunk compared row by row) while the sync applies
 * changes. Rows it finds different were (or may have been) read at different moments on the two sides;
 * they are kept (`deferred`) and compared again at the cut-over with every key applied after `point.tag`.
 * Status: `ok` (the cut-over may compare only those rows), `incomplete` (too many rows differed to list
 * them all: the cut-over verifies in full), `failed` (foreign keys missing or NOT VALID).
 */
export function runBackgroundVerify(o: BackgroundVerifyOptions): {
  started: Promise<void>;
  done: Promise<BackgroundVerify>;
} {
  const point: VerifyPoint = { ...o.point, status: 'running', deferred: [], summary: null };
  const started = writeVerifyPoint(o.writer, o.schema, o.source, point);
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
    const deferred: KeyEntry[] = report.tables.flatMap((t) =>
      t.mismatches.map((m) => ({
        t: t.table,
        s: m.sourceKey ? jsonKey(m.sourceKey) : null,
        k: m.targetKey ?? null,
      })),
    );
    const truncated = report.tables.filter((t) => t.mismatchesTruncated).map((t) => t.table);
    const constraints = report.constraints ?? [];
    const status: VerifyPoint['status'] = constraints.length
      ? 'failed'
      : truncated.length
        ? 'incomplete'
        : 'ok';
    const summary = constraints.length
      ? `${constraints.length} foreign key(s) missing or NOT VALID`
      : truncated.length
        ? `more than ${MAX_DEFERRED_PER_TABLE} rows differed in ${truncated.join(', ')}: too many to recheck at the cut-over`
        : `${report.totals.sourceRows} source rows verified; ${deferred.length} row(s) differed while changing, compared again at the cut-over`;
    Object.assign(point, { status, deferred, summary });
    // Its own connection: the apply's is inside a batch transaction by now.
    const client = new pg.Client({ connectionString: o.pgUrl, application_name: 'conv sync verify' });
    client.on('error', () => {});
    await client.connect();
    try {
      await writeVerifyPoint(client, o.schema, o.source, point);
      if (status === 'ok') await pruneChangedKeys(client, o.schema, o.source, point.tag);
    } finally {
      await client.end().catch(() => {});
    }
    const ms = Date.now() - t0;
    o.log(`background verify ${status} in ${(ms / 1000).toFixed(1)} s: ${summary}`);
    return { point, report, ms };
  });
  return { started, done };
}
