import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ConvError, ExitCode } from '@conv/core';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { cutConnection, stalledError, stallWatch } from './liveness.js';
import type { LoadTable } from './load-plan.js';
import { isLostConnection, lostConnectionError } from './lost-connection.js';
import { copyFromStdin } from './sql.js';

/** Chunks large enough that the per-message overhead of COPY data stays negligible, small enough to stay flat. */
const READ_CHUNK = 512 * 1024;

export interface CopyOutcome {
  rows: number;
  bytes: number;
  ms: number;
}

/**
 * Streams one CSV file, as bytes, into `COPY … FROM STDIN`: PostgreSQL parses the rows, Node only
 * moves buffers (with back-pressure: the file is read as fast as the server takes it).
 */
export async function copyTable(
  client: pg.ClientBase,
  table: LoadTable,
  onBytes: (bytes: number) => void,
  options: { hash?: boolean; freeze?: boolean; stall?: { ms: number; server: string } } = {},
): Promise<CopyOutcome> {
  const started = Date.now();
  let stalled: ConvError | undefined;
  const watch = options.stall
    ? stallWatch(options.stall.ms, () => {
        stalled = stalledError(options.stall!.server, `${table.schema}.${table.target}`, options.stall!.ms);
        cutConnection(client, stalled);
        file.destroy(stalled);
      })
    : null;
  const copy = client.query(
    copyFrom(copyFromStdin(table.schema, table.target, table.columns, options.freeze)),
  );
  const file = createReadStream(table.path, { highWaterMark: READ_CHUNK });
  let bytes = 0;
  const hash = options.hash ? createHash('sha256') : null;
  file.on('data', (chunk) => {
    watch?.touch();
    bytes += chunk.length;
    hash?.update(chunk);
    onBytes(bytes);
  });
  try {
    await pipeline(file, copy);
  } catch (err) {
    throw stalled ?? copyError(err, table);
  } finally {
    watch?.stop();
  }
  if (hash) {
    const sha256 = hash.digest('hex');
    if (sha256 !== table.sha256 || bytes !== table.bytes) {
      throw new ConvError(
        `${table.path}: sha256 ${sha256} (${bytes} bytes) differs from the manifest's ${table.sha256} (${table.bytes} bytes): the file was modified; nothing from it is committed`,
        {
          code: 'import.bad-export',
          exit: ExitCode.badInput,
          at: { table: table.target, file: table.path },
          hint: 'Re-run the export, or copy the directory again from where it was written.',
        },
      );
    }
  }
  const rows = copy.rowCount;
  if (rows !== table.rows) {
    throw new ConvError(
      `${table.schema}.${table.target}: PostgreSQL loaded ${rows} rows from ${table.file}, the manifest says ${table.rows}; this table's load was rolled back`,
      {
        code: 'import.count-mismatch',
        exit: ExitCode.loadFailed,
        at: { table: table.target, file: table.path },
        hint: 'The file and the manifest disagree: re-run the export.',
      },
    );
  }
  return { rows, bytes, ms: Date.now() - started };
}

interface PgError {
  message: string;
  code?: string;
  detail?: string;
  where?: string;
  column?: string;
  constraint?: string;
}

/**
 * The location of a rejected row from PostgreSQL's error context, e.g.
 * `COPY activity, line 4, column id: "nope"` (line numbers count the physical lines of the input,
 * header included, so they are line numbers of the file).
 */
export function parseCopyContext(where: string | undefined): { line?: number; column?: string } {
  if (!where) return {};
  const m = /\bCOPY .*?, line (\d+)(?:, column (.*?): |, column (.*?)$|:|$)/m.exec(where);
  if (!m) return {};
  const column = m[2] ?? m[3];
  return { line: Number(m[1]), ...(column ? { column } : {}) };
}

export function copyError(err: unknown, table: LoadTable): ConvError {
  if (isLostConnection(err)) {
    return lostConnectionError(
      err,
      `while loading ${table.file} into ${table.schema}.${table.target}`,
      { table: table.target, file: table.path },
      'its open transaction ended with the session (PostgreSQL rolls it back)',
    );
  }
  const e = err as PgError;
  if (!e || typeof e.message !== 'string' || !e.code) {
    return new ConvError(
      `${table.schema}.${table.target}: loading ${table.file} failed: ${String((err as Error)?.message ?? err)}`,
      {
        code: 'import.copy-failed',
        exit: ExitCode.loadFailed,
        at: { table: table.target, file: table.path },
        cause: err,
      },
    );
  }
  const { line, column: whereColumn } = parseCopyContext(e.where);
  const column = e.column ?? whereColumn;
  const at = [
    `table ${table.schema}.${table.target}`,
    `file ${table.path}`,
    line !== undefined ? `line ${line}` : undefined,
    column ? `column "${column}"` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const detail = e.detail ? ` (${e.detail})` : '';
  return new ConvError(`row rejected at ${at}: ${e.message}${detail} [SQLSTATE ${e.code}]`, {
    code: 'import.row-rejected',
    exit: ExitCode.loadFailed,
    at: { table: table.target, file: table.path, line, column },
    hint: hintFor(e.code, table),
    cause: err,
  });
}

function hintFor(code: string, table: LoadTable): string {
  if (code === '23503') {
    return 'A referencing row has no parent row: run `check` against the source to list the orphans, fix them there, and export again.';
  }
  if (code === '23502' || code.startsWith('22')) {
    return `Fix the value in the source (or add a transform in the profile), then export again; \`check\` finds such values before export. (${table.file})`;
  }
  return 'Fix the source data or the target schema and export again.';
}
