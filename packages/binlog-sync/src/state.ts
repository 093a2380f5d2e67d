import { quotePgQualified } from '@conv/core';
import type pg from 'pg';
import type { BinlogPosition } from './position.js';

export const POSITION_TABLE = 'conv_sync_position';

/** What conv_sync_position holds for one source: the last applied position and the snapshot it began at. */
export interface StoredPosition extends BinlogPosition {
  snapshot: string;
  gtid: string | null;
  events: number;
  transactions: number;
}

export async function ensurePositionTable(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${quotePgQualified(schema, POSITION_TABLE)} (
       source text PRIMARY KEY,
       snapshot text NOT NULL,
       binlog_file text NOT NULL,
       binlog_position bigint NOT NULL,
       gtid text,
       events bigint NOT NULL DEFAULT 0,
       transactions bigint NOT NULL DEFAULT 0,
       updated_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
}

export async function readPosition(
  client: pg.ClientBase,
  schema: string,
  source: string,
): Promise<StoredPosition | null> {
  const res = await client.query<{
    snapshot: string;
    binlog_file: string;
    binlog_position: string;
    gtid: string | null;
    events: string;
    transactions: string;
  }>(
    `SELECT snapshot, binlog_file, binlog_position, gtid, events, transactions FROM ${quotePgQualified(schema, POSITION_TABLE)} WHERE source = $1`,
    [source],
  );
  const r = res.rows[0];
  if (!r) return null;
  return {
    snapshot: r.snapshot,
    file: r.binlog_file,
    position: Number(r.binlog_position),
    gtid: r.gtid,
    events: Number(r.events),
    transactions: Number(r.transactions),
  };
}

/** Written in the same transaction as the changes it covers: a restart resumes exactly after them. */
export async function writePosition(
  client: pg.ClientBase,
  schema: string,
  source: string,
  p: StoredPosition,
): Promise<void> {
  await client.query(
    `INSERT INTO ${quotePgQualified(schema, POSITION_TABLE)} AS p (source, snapshot, binlog_file, binlog_position, gtid, events, transactions, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (source) DO UPDATE SET snapshot = EXCLUDED.snapshot, binlog_file = EXCLUDED.binlog_file,
       binlog_position = EXCLUDED.binlog_position, gtid = EXCLUDED.gtid, events = EXCLUDED.events,
       transactions = EXCLUDED.transactions, updated_at = now()`,
    [source, p.snapshot, p.file, p.position, p.gtid, p.events, p.transactions],
  );
}

export const CHANGED_TABLE = 'conv_sync_changed';
export const VERIFY_TABLE = 'conv_sync_verify';

/**
 * Keys changed by applied changes (written with them, tagged with the applied-change count after their
 * batch), and the background verify's reference point: the rows a cut-over has to compare again.
 */
export async function ensureVerifyTables(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${quotePgQualified(schema, CHANGED_TABLE)} (
       source text NOT NULL,
       tag bigint NOT NULL,
       tbl text NOT NULL,
       src jsonb NOT NULL,
       tgt jsonb NOT NULL
     );
     CREATE INDEX IF NOT EXISTS ${CHANGED_TABLE}_tag ON ${quotePgQualified(schema, CHANGED_TABLE)} (source, tag);
     CREATE TABLE IF NOT EXISTS ${quotePgQualified(schema, VERIFY_TABLE)} (
       source text PRIMARY KEY,
       snapshot text NOT NULL,
       tag bigint NOT NULL,
       binlog_file text NOT NULL,
       binlog_position bigint NOT NULL,
       status text NOT NULL,
       deferred jsonb NOT NULL DEFAULT '[]',
       summary text,
       started_at timestamptz NOT NULL DEFAULT now(),
       finished_at timestamptz
     )`,
  );
}

/** A background verify: `tag` is the applied-change count (conv_sync_position.events) when it began. */
export interface VerifyPoint {
  snapshot: string;
  tag: number;
  file: string;
  position: number;
  status: 'running' | 'ok' | 'incomplete' | 'failed';
  /** Rows that differed while the verify read them (in flight): compared again at the cut-over. */
  deferred: KeyEntry[];
  summary: string | null;
}

/** One row key: table, the key as MySQL stores it (JSON-safe), the target key's text. */
export interface KeyEntry {
  t: string;
  s: unknown[] | null;
  k: (string | null)[] | null;
}

export async function readVerifyPoint(
  client: pg.ClientBase,
  schema: string,
  source: string,
): Promise<VerifyPoint | null> {
  const exists = await client.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [
    quotePgQualified(schema, VERIFY_TABLE),
  ]);
  if (!exists.rows[0]?.r) return null;
  const res = await client.query<{
    snapshot: string;
    tag: string;
    binlog_file: string;
    binlog_position: string;
    status: VerifyPoint['status'];
    deferred: KeyEntry[];
    summary: string | null;
  }>(
    `SELECT snapshot, tag, binlog_file, binlog_position, status, deferred, summary FROM ${quotePgQualified(schema, VERIFY_TABLE)} WHERE source = $1`,
    [source],
  );
  const r = res.rows[0];
  if (!r) return null;
  return {
    snapshot: r.snapshot,
    tag: Number(r.tag),
    file: r.binlog_file,
    position: Number(r.binlog_position),
    status: r.status,
    deferred: r.deferred,
    summary: r.summary,
  };
}

export async function writeVerifyPoint(
  client: pg.ClientBase,
  schema: string,
  source: string,
  v: VerifyPoint,
): Promise<void> {
  await client.query(
    `INSERT INTO ${quotePgQualified(schema, VERIFY_TABLE)} (source, snapshot, tag, binlog_file, binlog_position, status, deferred, summary, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), CASE WHEN $6 = 'running' THEN NULL ELSE now() END)
     ON CONFLICT (source) DO UPDATE SET snapshot = EXCLUDED.snapshot, tag = EXCLUDED.tag, binlog_file = EXCLUDED.binlog_file,
       binlog_position = EXCLUDED.binlog_position, status = EXCLUDED.status, deferred = EXCLUDED.deferred,
       summary = EXCLUDED.summary,
       started_at = CASE WHEN EXCLUDED.status = 'running' THEN now() ELSE ${quotePgQualified(schema, VERIFY_TABLE)}.started_at END,
       finished_at = EXCLUDED.finished_at`,
    [source, v.snapshot, v.tag, v.file, v.position, v.status, JSON.stringify(v.deferred), v.summary],
  );
}

/** Keys changed after `tag` (distinct), grouped by the caller. */
export async function changedKeysSince(
  client: pg.ClientBase,
  schema: string,
  source: string,
  tag: number,
): Promise<KeyEntry[]> {
  const res = await client.query<{ t: string; s: unknown[]; k: (string | null)[] }>(
    `SELECT DISTINCT tbl AS t, src AS s, tgt AS k FROM ${quotePgQualified(schema, CHANGED_TABLE)} WHERE source = $1 AND tag > $2`,
    [source, tag],
  );
  return res.rows;
}

/** Changed keys up to `tag` are covered by a verify that began after them: no longer needed. */
export async function pruneChangedKeys(
  client: pg.ClientBase,
  schema: string,
  source: string,
  tag: number,
): Promise<void> {
  await client.query(
    `DELETE FROM ${quotePgQualified(schema, CHANGED_TABLE)} WHERE source = $1 AND tag <= $2`,
    [source, tag],
  );
}

export async function clearChangedKeys(client: pg.ClientBase, schema: string, source: string): Promise<void> {
  await client.query(`DELETE FROM ${quotePgQualified(schema, CHANGED_TABLE)} WHERE source = $1`, [source]);
}

/** Moves the reference point and drops the keys it covers, atomically (a reader sees both or neither). */
export async function movePoint(
  client: pg.ClientBase,
  schema: string,
  source: string,
  v: VerifyPoint,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await writeVerifyPoint(client, schema, source, v);
    if (v.status === 'ok') await pruneChangedKeys(client, schema, source, v.tag);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
