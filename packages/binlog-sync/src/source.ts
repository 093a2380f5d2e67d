import { ConvError, ExitCode } from '@conv/core';
import type mysql from 'mysql2/promise';
import type { BinlogPosition } from './position.js';

async function rows(conn: mysql.Connection, sql: string): Promise<Record<string, unknown>[]> {
  const [r] = await conn.query(sql);
  return r as Record<string, unknown>[];
}

/** Whether a statement failed only because this server does not know it (MySQL 8.4 vs MariaDB/older). */
function unknownStatement(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ER_PARSE_ERROR';
}

/**
 * The server's current end of binlog: SHOW MASTER STATUS (MariaDB, MySQL ≤ 8.3) or SHOW BINARY LOG STATUS
 * (MySQL ≥ 8.4, which removed the former). Needs REPLICATION CLIENT (MySQL) / BINLOG MONITOR (MariaDB).
 */
export async function currentBinlogPosition(conn: mysql.Connection): Promise<BinlogPosition> {
  let last: unknown;
  for (const sql of ['SHOW MASTER STATUS', 'SHOW BINARY LOG STATUS']) {
    try {
      const r = (await rows(conn, sql))[0];
      if (!r) {
        throw new ConvError('the source server has no binary log (log_bin is OFF)', {
          code: 'sync.precondition',
          exit: ExitCode.checkFailed,
          hint: 'start the server with log_bin (and binlog_format=ROW, binlog_row_image=FULL)',
        });
      }
      return { file: String(r['File']), position: Number(r['Position']) };
    } catch (err) {
      if (!unknownStatement(err)) throw err;
      last = err;
    }
  }
  throw last;
}

/** The binlog files the server still has (SHOW BINARY LOGS). */
export async function binlogFiles(conn: mysql.Connection): Promise<string[]> {
  return (await rows(conn, 'SHOW BINARY LOGS')).map((r) => String(r['Log_name']));
}

export interface SourceFlavor {
  mariadb: boolean;
  version: string;
}

export async function sourceFlavor(conn: mysql.Connection): Promise<SourceFlavor> {
  const version = String((await rows(conn, 'SELECT VERSION() AS v'))[0]?.['v'] ?? '');
  return { mariadb: /mariadb/i.test(version), version };
}

/**
 * Makes the source refuse writes for the cut-over: `SET GLOBAL read_only = ON` (MariaDB ≥ 10.5: READ_ONLY
 * ADMIN or SUPER; MySQL 8: SYSTEM_VARIABLES_ADMIN or SUPER) and on MySQL also super_read_only, because
 * read_only alone lets accounts with SUPER / CONNECTION_ADMIN keep writing. Returns how to undo it.
 */
export async function setSourceReadOnly(conn: mysql.Connection, flavor: SourceFlavor): Promise<string> {
  try {
    await conn.query('SET GLOBAL read_only = ON');
    if (!flavor.mariadb) await conn.query('SET GLOBAL super_read_only = ON');
  } catch (err) {
    throw new ConvError(`cannot set the source read-only: ${(err as Error).message}`, {
      code: 'cutover.read-only',
      exit: ExitCode.connection,
      hint: flavor.mariadb
        ? 'the user needs READ_ONLY ADMIN (MariaDB ≥ 10.5) or SUPER; or stop the application writes yourself and run cutover without --set-read-only'
        : 'the user needs SYSTEM_VARIABLES_ADMIN (or SUPER); or stop the application writes yourself and run cutover without --set-read-only',
      cause: err,
    });
  }
  return flavor.mariadb
    ? 'SET GLOBAL read_only = OFF'
    : 'SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF';
}
