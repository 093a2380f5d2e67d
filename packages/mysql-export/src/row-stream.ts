import { createHash, type Hash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { ConvError, ExitCode, type PlannedTable } from '@conv/core';
import { CsvRowWriter } from '@conv/csv-codec';
import { coreOf, hardClose } from '@conv/dialect/mysql';
import type mysql from 'mysql2/promise';
import { exportQueryFor } from './select.js';

/** One destination of the CSV bytes (a file, a COPY stream …) and how its failure is reported. */
export interface CsvTarget {
  stream: Writable;
  error(err: unknown): ConvError;
}

export interface RowStreamOptions {
  conn: mysql.Connection;
  database: string;
  table: PlannedTable;
  /** Every chunk goes to each target (a tee); the MySQL socket pauses while any of them is full. */
  targets: CsvTarget[];
  signal: AbortSignal;
  /** sha256 of the bytes as they go (the manifest's hash). */
  hash?: boolean;
  /** Default: the whole table (`exportQueryFor`); a primary-key range for split tables. */
  sql?: string;
  values?: unknown[];
  /** Without a header line (later ranges of a split table). */
  header?: boolean;
  onProgress?(rows: number, bytes: number): void;
}

export interface RowStreamResult {
  rows: number;
  bytes: number;
  sha256: string | null;
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

/**
 * Streams the rows of one table (or key range) from MySQL, encoded by the plan's conversions into CSV,
 * into every target with back-pressure: while a target is full the MySQL socket is paused. Resolves when
 * the last chunk was handed over (the caller ends the targets). On a failure (bad value, read error, a
 * target's error, abort) the MySQL connection is destroyed (a streaming query cannot be cancelled
 * politely) and the promise rejects with a ConvError naming the table and the row key.
 */
export function streamTableCsv(options: RowStreamOptions): Promise<RowStreamResult> {
  const { conn, table, targets, signal } = options;
  const core = coreOf(conn);
  const hash: Hash | null = options.hash ? createHash('sha256') : null;
  const keyIndexes = table.rowKey
    .map((k) => table.columns.findIndex((c) => c.source === k))
    .filter((i) => i >= 0);

  return new Promise<RowStreamResult>((resolve, reject) => {
    let failed = false;
    let full = 0; // targets waiting for 'drain'
    const cleanups: (() => void)[] = [];
    const done = () => {
      for (const c of cleanups) c();
    };
    const fail = (err: ConvError) => {
      if (failed) return;
      failed = true;
      done();
      hardClose(conn);
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
    cleanups.push(() => signal.removeEventListener('abort', onAbort));
    for (const t of targets) {
      const onError = (err: unknown) => fail(t.error(err));
      t.stream.on('error', onError);
      cleanups.push(() => t.stream.off('error', onError));
    }

    const writer = new CsvRowWriter(table.columns, {
      sink: (chunk) => {
        hash?.update(chunk);
        options.onProgress?.(writer.rows, writer.bytes);
        let ok = true;
        for (const t of targets) {
          if (!t.stream.write(chunk)) {
            ok = false;
            full++;
            t.stream.once('drain', () => {
              if (--full === 0 && !failed) core.resume();
            });
          }
        }
        return ok;
      },
    });
    if (options.header !== false) writer.header(table.columns.map((c) => c.target));

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
    cleanups.push(() => {
      core.off('error', lost);
      core.off('end', ended);
    });

    const sql = options.sql ?? exportQueryFor(table, options.database);
    const query = core.query({
      sql,
      ...(options.values ? { values: options.values } : {}),
      rowsAsArray: true,
    });
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
        return fail(targets[0]!.error(err));
      }
      options.onProgress?.(writer.rows, writer.bytes);
      done();
      resolve({ rows: writer.rows, bytes: writer.bytes, sha256: hash ? hash.digest('hex') : null });
    });
  });
}
