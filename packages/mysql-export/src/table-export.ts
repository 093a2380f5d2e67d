import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ConvError, ExitCode, type PlannedTable, type ProgressReporter, quoteMysqlIdent } from '@conv/core';
import { CsvRowWriter } from '@conv/csv-codec';
import type mysql from 'mysql2/promise';
import { writeError } from './files.js';
import { exportQueryFor } from './select.js';

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
}

/** The underlying callback connection of a mysql2/promise connection (for streaming with pause/resume). */
interface CoreConnection extends NodeJS.EventEmitter {
  query(options: { sql: string; rowsAsArray: boolean }): NodeJS.EventEmitter;
  pause(): void;
  resume(): void;
  destroy(): void;
  /** The socket: mysql2's destroy() only half-closes it (FIN), see `hardClose`. */
  stream?: { destroy(): void };
}

/**
 * Closes a connection at once, socket included. mysql2's destroy() only ends our side of the socket: a
 * server thread blocked sending a paused result then stays in "Writing to net", its snapshot transaction
 * and metadata locks held (a DROP DATABASE or ALTER waits behind it) until net_write_timeout.
 */
export function hardClose(conn: mysql.Connection): void {
  const core = coreOf(conn);
  core.destroy();
  core.stream?.destroy();
}

function coreOf(conn: mysql.Connection): CoreConnection {
  return (conn as unknown as { connection: CoreConnection }).connection;
}

/** Driver codes of a connection that went away (killed, server gone, network). */
const LOST = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
]);

/** ConvError for a failed read of a table. */

export function readError(err: unknown, table: string): ConvError {
  if (err instanceof ConvError) return err;
  const e = err as { code?: string; message?: string };
  if (e.code === 'ER_NO_SUCH_TABLE' || e.code === 'ER_TABLE_DEF_CHANGED' || e.code === 'ER_BAD_FIELD_ERROR') {
    return new ConvError(
      `table ${table} vanished or changed during the export (${e.code}: ${e.message})`,
      'export.table-changed',
      ExitCode.unexpected,
      { table },
      'someone altered or dropped the table while it was exported: re-plan (conv plan) and export again',
      { cause: err },
    );
  }
  if (e.code === 'ER_QUERY_INTERRUPTED') {
    return new ConvError(
      `reading table ${table} failed: the server stopped the export's query (${e.code}: ${e.message})`,
      'export.interrupted',
      ExitCode.connection,
      { table },
      'a KILL QUERY or a statement timeout on the server ended it (the data is not at fault): nothing was kept; export again',
      { cause: err },
    );
  }
  if (LOST.has(e.code ?? '')) {
    return new ConvError(
      `reading table ${table} failed: the connection to MySQL was lost before the end of the result (${e.code}${e.message ? `: ${e.message}` : ''})`,
      'export.connection-lost',
      ExitCode.connection,
      { table },
      'the server closed the connection (KILL, restart, crash or network): check the server and export again',
      { cause: err },
    );
  }
  return new ConvError(
    `reading table ${table} failed: ${e.message ?? String(err)}`,
    'export.read',
    ExitCode.unexpected,
    { table },
    undefined,
    { cause: err },
  );
}

function keyText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? `0x${value.toString('hex')}` : String(value);
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
  const core = coreOf(conn);
  const hash = createHash('sha256');
  const keyIndexes = table.rowKey
    .map((k) => table.columns.findIndex((c) => c.source === k))
    .filter((i) => i >= 0);

  const counts = { rows: 0, bytes: 0 };
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const out = createWriteStream(partial, { flags: 'w', flush: true, highWaterMark: 1024 * 1024 });
    const fail = (err: ConvError) => {
      if (failed) return;
      failed = true;
      // A streaming query cannot be cancelled politely: closing the connection stops the server sending.
      hardClose(conn);
      out.destroy();
      reject(err);
    };
    const onAbort = () =>
      fail(
        new ConvError(`export of ${table.source} stopped`, 'export.aborted', ExitCode.unexpected, {
          table: table.source,
        }),
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    const writer = new CsvRowWriter(table.columns, {
      sink: (chunk) => {
        hash.update(chunk);
        progress.update(table.source, writer.rows, writer.bytes);
        return out.write(chunk);
      },
    });
    writer.header(table.columns.map((c) => c.target));

    // A killed connection ends the socket without ending the query (mysql2 emits neither `end` nor
    // `error` on it): a result that stops without its end-of-result is a failure, never a short file.
    const lost = (err?: Error) =>
      fail(
        readError(
          err ?? Object.assign(new Error('connection closed'), { code: 'PROTOCOL_CONNECTION_LOST' }),
          table.source,
        ),
      );
    const ended = () => lost();
    core.on('error', lost);
    core.on('end', ended);

    out.on('error', (err) => fail(writeError(err, finalPath, table.source)));
    out.on('drain', () => core.resume());
    out.on('finish', () => {
      signal.removeEventListener('abort', onAbort);
      core.off('error', lost);
      core.off('end', ended);
      if (!failed) resolve();
    });

    const query = core.query({ sql: exportQueryFor(table, database), rowsAsArray: true });
    query.on('result', (row: unknown[]) => {
      if (failed) return;
      try {
        if (!writer.write(row)) core.pause();
      } catch (err) {
        if (!(err instanceof ConvError)) return fail(readError(err, table.source));
        const key: Record<string, string | null> = {};
        for (const i of keyIndexes) key[table.columns[i]!.source] = keyText(row[i]);
        const where = keyIndexes.length ? ` row ${JSON.stringify(key)}` : ` row ${writer.rows + 1}`;
        fail(
          new ConvError(
            `table ${table.source}${where}: ${err.message}`,
            err.code,
            err.exitCode,
            { ...err.location, table: table.source, key, line: writer.rows + 2 },
            err.hint,
            { cause: err },
          ),
        );
      }
    });
    query.on('error', (err: Error) => fail(readError(err, table.source)));
    query.on('end', () => {
      if (failed) return;
      try {
        writer.flush();
      } catch (err) {
        return fail(writeError(err, finalPath, table.source));
      }
      progress.update(table.source, writer.rows, writer.bytes);
      counts.rows = writer.rows;
      counts.bytes = writer.bytes;
      out.end();
    });
  });

  const { rows, bytes } = counts;
  try {
    await rename(partial, finalPath);
  } catch (err) {
    throw writeError(err, finalPath, table.source);
  }
  return { table, file, rows, bytes, sha256: hash.digest('hex') };
}
