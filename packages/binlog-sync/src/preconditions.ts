import { ConvError, ExitCode } from '@conv/core';
import type mysql from 'mysql2/promise';
import { type BinlogPosition, formatPosition } from './position.js';
import { binlogFiles, type SourceFlavor } from './source.js';

export interface PreconditionReport {
  /** Notes for the operator that do not stop the sync (e.g. a short retention). */
  warnings: string[];
  /** Binlog retention in seconds (0: never expires). */
  retentionSeconds: number;
}

async function variables(conn: mysql.Connection, names: string[]): Promise<Map<string, string>> {
  const [r] = await conn
    .query(
      'SELECT VARIABLE_NAME AS n, VARIABLE_VALUE AS v FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME IN (?)',
      [names.map((n) => n.toUpperCase())],
    )
    .catch(async () => {
      // MySQL 8 moved GLOBAL_VARIABLES to performance_schema (information_schema.GLOBAL_VARIABLES is gone).
      return conn.query(
        'SELECT VARIABLE_NAME AS n, VARIABLE_VALUE AS v FROM performance_schema.global_variables WHERE VARIABLE_NAME IN (?)',
        [names],
      );
    });
  return new Map((r as { n: string; v: string }[]).map((row) => [row.n.toLowerCase(), String(row.v)]));
}

/** Grants of the current user on *.* (upper-cased privilege names), from SHOW GRANTS. */
async function globalPrivileges(conn: mysql.Connection): Promise<Set<string>> {
  const [r] = await conn.query('SHOW GRANTS FOR CURRENT_USER()');
  const out = new Set<string>();
  for (const row of r as Record<string, string>[]) {
    const line = String(Object.values(row)[0] ?? '');
    const m = /^GRANT (.+?) ON \*\.\* TO /i.exec(line);
    if (!m) continue;
    for (const p of m[1]!.split(',')) out.add(p.trim().toUpperCase());
  }
  return out;
}

/**
 * Everything the binlog catch-up needs from the source, checked before anything is read or written;
 * every problem is listed in one error (exit 3) so the operator fixes them in one go.
 * `start` is the position the sync will read from: its file must still be on the server (null: resuming
 * by GTID, the server finds the file itself).
 */
export async function checkPreconditions(
  conn: mysql.Connection,
  flavor: SourceFlavor,
  start: BinlogPosition | null,
): Promise<PreconditionReport> {
  const v = await variables(conn, [
    'log_bin',
    'binlog_format',
    'binlog_row_image',
    'expire_logs_days',
    'binlog_expire_logs_seconds',
  ]);
  const problems: string[] = [];
  const warnings: string[] = [];
  const logBin = (v.get('log_bin') ?? 'OFF').toUpperCase();
  if (logBin !== 'ON' && logBin !== '1') {
    problems.push('log_bin is OFF: the server writes no binary log (start it with --log-bin)');
  }
  const format = (v.get('binlog_format') ?? '').toUpperCase();
  if (format !== 'ROW') {
    problems.push(
      `binlog_format is ${format || 'unknown'}, ROW is required (row images carry the exact values): SET GLOBAL binlog_format = 'ROW' and restart the application's connections, or set it in the server configuration`,
    );
  }
  const image = (v.get('binlog_row_image') ?? '').toUpperCase();
  if (image !== 'FULL') {
    problems.push(
      `binlog_row_image is ${image || 'unknown'}, FULL is required (an UPDATE must carry every column): SET GLOBAL binlog_row_image = 'FULL'`,
    );
  }

  // Retention: MySQL 8 and MariaDB ≥ 10.6 have binlog_expire_logs_seconds; older MariaDB only expire_logs_days.
  const seconds = Number(v.get('binlog_expire_logs_seconds') ?? 0);
  const days = Number(v.get('expire_logs_days') ?? 0);
  const retentionSeconds = seconds > 0 ? seconds : days > 0 ? Math.round(days * 86400) : 0;
  if (retentionSeconds > 0 && retentionSeconds < 86400) {
    warnings.push(
      `binlogs expire after ${(retentionSeconds / 3600).toFixed(1)} h: a sync stopped for longer cannot resume (raise binlog_expire_logs_seconds / expire_logs_days)`,
    );
  }
  if (start && (problems.length === 0 || logBin === 'ON')) {
    try {
      const files = await binlogFiles(conn);
      if (!files.includes(start.file)) {
        problems.push(
          `binlog file ${start.file} (the position to start from, ${formatPosition(start)}) is no longer on the server (it has ${files[0] ?? 'none'} … ${files.at(-1) ?? ''}): the changes since the snapshot are lost — export and import again, with a longer binlog retention`,
        );
      }
    } catch (err) {
      problems.push(`cannot list the binary logs (SHOW BINARY LOGS): ${(err as Error).message}`);
    }
  }

  const privs = await globalPrivileges(conn);
  const all = privs.has('ALL PRIVILEGES') || privs.has('ALL');
  if (!all && !privs.has('REPLICATION SLAVE')) {
    problems.push(
      'the user lacks REPLICATION SLAVE (needed to read the binlog): GRANT REPLICATION SLAVE ON *.* TO …',
    );
  }
  const monitor = flavor.mariadb
    ? ['BINLOG MONITOR', 'REPLICATION CLIENT', 'SUPER']
    : ['REPLICATION CLIENT', 'SUPER'];
  if (!all && !monitor.some((p) => privs.has(p))) {
    problems.push(
      flavor.mariadb
        ? 'the user lacks BINLOG MONITOR (REPLICATION CLIENT before MariaDB 10.5), needed for SHOW MASTER STATUS / SHOW BINARY LOGS: GRANT BINLOG MONITOR ON *.* TO …'
        : 'the user lacks REPLICATION CLIENT, needed for SHOW BINARY LOG STATUS / SHOW BINARY LOGS: GRANT REPLICATION CLIENT ON *.* TO …',
    );
  }

  if (problems.length) {
    throw new ConvError(
      `the source cannot be followed from its binlog:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        code: 'sync.precondition',
        exit: ExitCode.checkFailed,
        hint: 'fix the source settings/grants above, then run sync again (nothing was written)',
      },
    );
  }
  return { warnings, retentionSeconds };
}
