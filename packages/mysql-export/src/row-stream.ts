import { createHash, type Hash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { ConvError, ExitCode, type PlannedTable } from '@conv/core';
import { CsvRowWriter, createFieldEncoder, dataError } from '@conv/csv-codec';
import { coreOf, hardClose } from '@conv/dialect/mysql';
import type mysql from 'mysql2/promise';
import {
  columnCharsets,
  type LargeValueOptions,
  type LargeValuePlan,
  largeAwareQuery,
  largeRowQuery,
  largeValuePlan,
  pieceBytes,
  piecesQuery,
  UTF8_CHARSETS,
} from './large-values.js';
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
  /**
   * A key range of the table (`WHERE …` on the `src` alias, `?` parameters): appended to the table's own
   * query, so that large values are still read apart (a caller's `sql` reads them in the row).
   */
  where?: { clause: string; values: unknown[] };
  /** Without a header line (later ranges of a split table). */
  header?: boolean;
  onProgress?(rows: number, bytes: number): void;
  /**
   * MySQL sending nothing for this long while we wait for it (not while a target is full) fails the read
   * as a lost connection (default 120 s): a server that keeps the socket open and stops sending would
   * otherwise hold the export forever.
   */
  idleMs?: number;
  /** When a value is read in pieces after the rest (see large-values.ts); defaults for production. */
  largeValues?: LargeValueOptions;
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
    return new ConvError(`table ${table} vanished or changed during the export (${e.code}: ${e.message})`, {
      code: 'export.table-changed',
      at: { table },
      hint: 'someone altered or dropped the table while it was exported: re-plan (conv plan) and export again',
      cause: err,
    });
  }
  if (e.code === 'ER_QUERY_INTERRUPTED') {
    return new ConvError(
      `reading table ${table} failed: the server stopped the export's query (${e.code}: ${e.message})`,
      {
        code: 'connect.query-killed',
        exit: ExitCode.connection,
        at: { table, engine: 'MySQL' },
        hint: 'a KILL QUERY or a statement timeout on the server ended it (the data is not at fault): nothing was kept; export again',
        cause: err,
      },
    );
  }
  if (LOST.has(e.code ?? '')) {
    return new ConvError(
      `reading table ${table} failed: the connection to MySQL was lost before the end of the result (${e.code}${e.message ? `: ${e.message}` : ''})`,
      {
        code: 'connect.lost',
        exit: ExitCode.connection,
        at: { table, engine: 'MySQL' },
        hint: 'the server closed the connection (KILL, restart, crash or network): check the server and export again',
        cause: err,
      },
    );
  }
  return new ConvError(`reading table ${table} failed: ${e.message ?? String(err)}`, {
    code: 'export.read',
    at: { table },
    cause: err,
  });
}

const QUOTE = 0x22;

/**
 * A piece of a UTF-8 text inside a quoted CSV field, as bytes: quotes doubled (0x22 never occurs inside
 * a multi-byte character, so pieces may be cut at any byte), a 0x00 refused as in a whole value.
 */
function csvTextPiece(piece: Buffer, column: string): Buffer {
  if (piece.indexOf(0) !== -1) {
    throw dataError(
      column,
      'text contains a 0x00 byte, which PostgreSQL text cannot store',
      'clean the value in MySQL or add a transform (e.g. base64) for this column in the profile',
    );
  }
  // Byte loops into one Buffer: no V8 string per piece (strings of megabytes are garbage the heap keeps
  // growing for; the 64 MB test row peaked at ~290 MB of RSS with them, ~120 MB without).
  let quotes = 0;
  for (let i = 0; i < piece.length; i++) if (piece[i] === QUOTE) quotes++;
  if (quotes === 0) return piece;
  const out = Buffer.allocUnsafe(piece.length + quotes);
  let j = 0;
  for (let i = 0; i < piece.length; i++) {
    const byte = piece[i]!;
    out[j++] = byte;
    if (byte === QUOTE) out[j++] = QUOTE;
  }
  return out;
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** A piece of a blob as bytea hex digits (the field's `\\x` is written before the first). */
function hexPiece(piece: Buffer): Buffer {
  const out = Buffer.allocUnsafe(piece.length * 2);
  for (let i = 0, j = 0; i < piece.length; i++, j += 2) {
    const byte = piece[i]!;
    out[j] = HEX_DIGITS[byte >> 4]!;
    out[j + 1] = HEX_DIGITS[byte & 15]!;
  }
  return out;
}

export const DEFAULT_SOURCE_IDLE_MS = 120_000;

function stalledError(table: string, idleMs: number): ConvError {
  return new ConvError(
    `reading table ${table} failed: the MySQL server sent nothing for ${Math.round(idleMs / 1000)} s (timeout); the connection was closed`,
    {
      code: 'connect.stalled',
      exit: ExitCode.connection,
      at: { table, engine: 'MySQL' },
      hint: 'the server (or the network to it) stopped answering: check that it is running and reachable, then export again',
    },
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
  // A query of the caller's (a key range) is read as it is; otherwise long values are read apart.
  const large = options.sql ? null : largeValuePlan(table, options.largeValues);
  const width = table.columns.length;

  return new Promise<RowStreamResult>((resolve, reject) => {
    let failed = false;
    let full = 0; // targets waiting for 'drain'
    let drainWaiters: (() => void)[] = [];
    const drained = () =>
      full === 0 || failed ? Promise.resolve() : new Promise<void>((r) => drainWaiters.push(r));
    const wakeDrainWaiters = () => {
      const w = drainWaiters;
      drainWaiters = [];
      for (const r of w) r();
    };
    const cleanups: (() => void)[] = [];
    const done = () => {
      for (const c of cleanups) c();
    };
    const fail = (err: ConvError) => {
      if (failed) return;
      failed = true;
      done();
      hardClose(conn);
      wakeDrainWaiters();
      reject(err);
    };
    const onAbort = () =>
      fail(
        new ConvError(`export of ${table.source} stopped`, {
          code: 'export.aborted',
          at: {
            table: table.source,
          },
        }),
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => signal.removeEventListener('abort', onAbort));

    // Idle watchdog: `heard` is touched by every row or piece from MySQL and when a full target drains.
    const idleMs = options.idleMs ?? DEFAULT_SOURCE_IDLE_MS;
    let heard = Date.now();
    const idle = setInterval(
      () => {
        if (full === 0 && Date.now() - heard >= idleMs) fail(stalledError(table.source, idleMs));
      },
      Math.min(1000, Math.max(20, Math.floor(idleMs / 4))),
    );
    idle.unref();
    cleanups.push(() => clearInterval(idle));
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
              if (--full === 0 && !failed) {
                heard = Date.now();
                core.resume();
                wakeDrainWaiters();
              }
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

    /** A bad value: the error names the table, the row's key and its line in the CSV. */
    const valueError = (err: unknown, row: readonly unknown[]) => {
      if (!(err instanceof ConvError)) return readError(err, table.source);
      const key: Record<string, string | null> = {};
      for (const i of keyIndexes) key[table.columns[i]!.source] = keyText(row[i]);
      const where = keyIndexes.length ? ` row ${JSON.stringify(key)}` : ` row ${writer.rows + 1}`;
      return new ConvError(`table ${table.source}${where}: ${err.message}`, {
        code: err.code,
        exit: err.exitCode,
        at: { ...err.location, table: table.source, key, line: writer.rows + 2 },
        hint: err.hint,
        cause: err,
      });
    };
    /** Primary keys of rows with a value left out, read once the streaming query is over. */
    const deferred: unknown[][] = [];
    const field = large ? createFieldEncoder(table.columns) : () => '';

    const whole = large
      ? largeAwareQuery(table, options.database, large)
      : exportQueryFor(table, options.database);
    const sql = options.sql ?? (options.where ? `${whole} ${options.where.clause}` : whole);
    const values = options.sql ? options.values : options.where?.values;
    const query = core.query({
      sql,
      ...(values ? { values } : {}),
      rowsAsArray: true,
    });
    query.on('result', (row: unknown[]) => {
      if (failed) return;
      heard = Date.now();
      if (large && Number(row[width + large.key.length])) {
        deferred.push(row.slice(width, width + large.key.length));
        return;
      }
      try {
        if (!writer.write(row)) core.pause();
      } catch (err) {
        fail(valueError(err, row));
      }
    });
    query.on('error', (err: Error) => fail(readError(err, table.source)));
    query.on('end', () => {
      if (failed) return;
      const rest = large && deferred.length ? writeLargeRows(large) : Promise.resolve();
      rest.then(
        () => {
          if (failed) return;
          try {
            writer.flush();
          } catch (err) {
            return fail(targets[0]!.error(err));
          }
          options.onProgress?.(writer.rows, writer.bytes);
          done();
          resolve({ rows: writer.rows, bytes: writer.bytes, sha256: hash ? hash.digest('hex') : null });
        },
        (err: unknown) => fail(err instanceof ConvError ? err : readError(err, table.source)),
      );
    });

    /**
     * The rows with a large value, one by one by primary key (same connection, same snapshot): the row
     * without its large values, then each of those in pieces, encoded straight into the CSV.
     */
    const writeLargeRows = async (plan: LargeValuePlan) => {
      const sets = await columnCharsets(conn, options.database, table.source);
      const utf8Stored = new Set(
        [...sets].filter(([, set]) => UTF8_CHARSETS.has(set)).map(([column]) => column),
      );
      const rowSql = largeRowQuery(table, options.database, plan, utf8Stored);
      const put = async (text: string) => {
        if (!writer.part(text)) await drained();
      };
      for (const key of deferred) {
        if (failed) return;
        heard = Date.now();
        const [found] = await conn.query({ sql: rowSql, values: key, rowsAsArray: true });
        const row = (found as unknown[][])[0];
        if (!row) throw new Error(`row ${JSON.stringify(key.map(keyText))} not found again in the snapshot`);
        for (let i = 0; i < width; i++) {
          if (i > 0) await put(',');
          const slot = plan.columns.indexOf(i);
          const length = slot < 0 ? null : row[width + plan.key.length + 1 + slot];
          try {
            if (length === null || length === undefined) await put(field(i, row[i]));
            else await writePieces(plan, i, key, Number(length), utf8Stored);
          } catch (err) {
            throw err instanceof ConvError ? valueError(err, row) : err;
          }
          if (failed) return;
        }
        if (!writer.endRow()) await drained();
      }
    };

    /**
     * A text as one quoted CSV field, a blob as bytea hex, piece by piece from one streamed result
     * (paused while a target is full, as the table's rows are).
     */
    const writePieces = (
      plan: LargeValuePlan,
      i: number,
      key: unknown[],
      length: number,
      utf8Stored: ReadonlySet<string>,
    ) =>
      new Promise<void>((res, rej) => {
        const size = pieceBytes(length, plan.pieceBytes);
        const count = Math.ceil(length / size);
        const text = table.columns[i]!.conversion === 'text';
        let next = 0;
        let stopped = false;
        const stop = (err: unknown) => {
          if (stopped) return;
          stopped = true;
          rej(err);
        };
        if (!writer.part(text ? '"' : '\\x')) core.pause();
        const query = core.query({
          sql: piecesQuery(table, options.database, plan, i, utf8Stored),
          values: [count, size, size, ...key],
          rowsAsArray: true,
        });
        query.on('result', (r: unknown[]) => {
          if (failed || stopped) return;
          heard = Date.now();
          try {
            const piece = r[1];
            if (Number(r[0]) !== next++ || !Buffer.isBuffer(piece))
              throw new Error(`piece ${next - 1} not read`);
            const bytes = text ? csvTextPiece(piece, table.columns[i]!.source) : hexPiece(piece);
            if (!writer.partBytes(bytes)) core.pause();
          } catch (err) {
            stop(err);
          }
        });
        query.on('error', stop);
        query.on('end', () => {
          if (stopped) return;
          if (next !== count) return stop(new Error(`${next} of ${count} pieces read`));
          if (text) writer.part('"');
          res();
        });
      });
  });
}
