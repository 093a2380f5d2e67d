import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ConvError, type PlannedTable, type ProgressReporter, quoteMysqlIdent } from '@conv/core';
import type mysql from 'mysql2/promise';
import { discardPartial, writeError } from './files.js';
import { readError, streamTableCsv } from './row-stream.js';

export interface TableExportResult {
  table: PlannedTable;
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface TableExportOptions {
  conn: mysql.Connection;
  database: string;
  table: PlannedTable;
  dir: string;
  file: string;
  progress: ProgressReporter;
  /** Set by the caller when another table failed: stop at once. */
  signal: AbortSignal;
  /** See RowStreamOptions.idleMs. */
  idleMs?: number;
}

/** Exact row count of the table in the snapshot of this connection. */
export async function countRows(conn: mysql.Connection, database: string, table: string): Promise<number> {
  try {
    const [r] = await conn.query({
      sql: `SELECT COUNT(*) FROM ${quoteMysqlIdent(database)}.${quoteMysqlIdent(table)}`,
      rowsAsArray: true,
    });
    return Number((r as unknown[][])[0]![0]);
  } catch (err) {
    throw readError(err, table);
  }
}

/**
 * Streams one table into `<dir>/<file>` through a `.partial` file: rows as arrays, encoded by the plan's
 * conversions, written with back-pressure (the MySQL socket is paused while the file catches up),
 * hashed and counted as they go; fsynced and renamed when complete.
 */
export async function exportTableFile(options: TableExportOptions): Promise<TableExportResult> {
  const { conn, database, table, dir, file, progress, signal } = options;
  const finalPath = join(dir, file);
  const partial = `${finalPath}.partial`;
  const out = createWriteStream(partial, { flags: 'w', flush: true, highWaterMark: 1024 * 1024 });
  const closed = finished(out);
  closed.catch(() => {}); // reported through streamTableCsv's target error, or awaited below
  let result: Awaited<ReturnType<typeof streamTableCsv>>;
  try {
    result = await streamTableCsv({
      conn,
      database,
      table,
      signal,
      hash: true,
      targets: [{ stream: out, error: (err) => writeError(err, finalPath, table.source) }],
      onProgress: (rows, bytes) => progress.update(table.source, rows, bytes),
      ...(options.idleMs ? { idleMs: options.idleMs } : {}),
    });
    out.end();
    await closed;
  } catch (err) {
    await discardPartial(out, partial); // a stopped table leaves nothing
    throw err instanceof ConvError ? err : writeError(err, finalPath, table.source);
  }
  try {
    await rename(partial, finalPath);
  } catch (err) {
    throw writeError(err, finalPath, table.source);
  }
  return { table, file, rows: result.rows, bytes: result.bytes, sha256: result.sha256 ?? '' };
}
