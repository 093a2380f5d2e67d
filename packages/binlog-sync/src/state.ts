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
       binlog_position = EXCLUDED.binlog_position, gtid = COALESCE(EXCLUDED.gtid, p.gtid), events = EXCLUDED.events,
       transactions = EXCLUDED.transactions, updated_at = now()`,
    [source, p.snapshot, p.file, p.position, p.gtid, p.events, p.transactions],
  );
}
