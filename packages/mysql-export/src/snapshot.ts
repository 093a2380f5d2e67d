import { quoteMysqlIdent } from '@conv/core';
import type mysql from 'mysql2/promise';
import { freezeCommits, freezeMethodFor } from './snapshot-lock.js';

export interface SnapshotInfo {
  consistent: boolean;
  connections: number;
  binlogFile: string | null;
  binlogPosition: number | null;
  gtid: string | null;
  /** Why the snapshot is what it is (shown to the user). */
  notes: string[];
}

async function rows(conn: mysql.Connection, sql: string): Promise<Record<string, unknown>[]> {
  const [r] = await conn.query(sql);
  return r as Record<string, unknown>[];
}

async function startSnapshot(conn: mysql.Connection): Promise<void> {
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
}

/** SHOW MASTER STATUS (MariaDB, MySQL ≤ 8.3) or SHOW BINARY LOG STATUS (MySQL ≥ 8.4); null without binlog. */
async function binlogPosition(conn: mysql.Connection): Promise<{ file: string; position: number } | null> {
  for (const sql of ['SHOW MASTER STATUS', 'SHOW BINARY LOG STATUS']) {
    try {
      const r = (await rows(conn, sql))[0];
      if (!r) return null;
      return { file: String(r['File']), position: Number(r['Position']) };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ER_PARSE_ERROR') continue; // MySQL 8.4 removed SHOW MASTER STATUS
      return null; // no privilege (REPLICATION CLIENT / BINLOG MONITOR): position unknown, not fatal
    }
  }
  return null;
}

async function gtidPosition(conn: mysql.Connection, mariadb: boolean): Promise<string | null> {
  try {
    const sql = mariadb ? 'SELECT @@GLOBAL.gtid_binlog_pos AS g' : 'SELECT @@GLOBAL.gtid_executed AS g';
    const g = (await rows(conn, sql))[0]?.['g'];
    return g ? String(g) : null;
  } catch {
    return null;
  }
}

/**
 * Opens one consistent snapshot over all `conns`.
 * - One connection: START TRANSACTION WITH CONSISTENT SNAPSHOT is consistent by itself; MariaDB also
 *   reports the binlog position of that snapshot (binlog_snapshot_file/position) without any lock.
 * - Several: commits frozen (BACKUP STAGE BLOCK_COMMIT on MariaDB, else FTWRL taken only when no long
 *   statement runs; needs RELOAD) for the moment it takes to start a snapshot on each and read the
 *   binlog/GTID position. When no lock can be had the caller gets `lockRefused` and falls back to one
 *   connection.
 */
export async function openSnapshot(
  conns: mysql.Connection[],
  mariadb: boolean,
  /** A connection of its own for the lock: BACKUP STAGE END commits the holder's transaction. */
  openLockConn?: () => Promise<mysql.Connection>,
  /** `SELECT VERSION()`: chooses how commits are frozen (freezeMethodFor); else from `mariadb`. */
  version?: string,
): Promise<SnapshotInfo | { lockRefused: string }> {
  const first = conns[0]!;
  if (conns.length === 1) {
    await startSnapshot(first);
    const info: SnapshotInfo = {
      consistent: true,
      connections: 1,
      binlogFile: null,
      binlogPosition: null,
      gtid: null,
      notes: [],
    };
    if (mariadb) {
      const status = await rows(first, "SHOW STATUS LIKE 'binlog_snapshot_%'");
      const get = (name: string) => status.find((r) => r['Variable_name'] === name)?.['Value'];
      const file = get('Binlog_snapshot_file');
      if (file) {
        info.binlogFile = String(file);
        info.binlogPosition = Number(get('Binlog_snapshot_position'));
      }
      info.gtid = await gtidPosition(first, mariadb);
      if (info.gtid) info.notes.push('gtid read right after the snapshot started (not under a lock)');
    } else {
      info.notes.push('binlog position not recorded: one connection, no global read lock taken');
    }
    return info;
  }
  // Never stall the server's writers behind a long statement (see snapshot-lock.ts).
  const lockConn = openLockConn ? await openLockConn() : first;
  const endLockConn = async () => {
    if (lockConn !== first) await lockConn.end().catch(() => {});
  };
  // BACKUP STAGE only on a connection of its own (BACKUP STAGE END would commit the snapshot of `first`).
  const method = version ? freezeMethodFor(version) : mariadb ? 'backup-stage' : 'ftwrl';
  const lock = await freezeCommits(lockConn, lockConn !== first ? method : 'ftwrl');
  if (typeof lock === 'string') {
    await endLockConn();
    return { lockRefused: lock };
  }
  try {
    for (const conn of conns) await startSnapshot(conn);
    const pos = await binlogPosition(first);
    return {
      consistent: true,
      connections: conns.length,
      binlogFile: pos?.file ?? null,
      binlogPosition: pos?.position ?? null,
      gtid: await gtidPosition(first, mariadb),
      notes: [`snapshots started under ${lock.how}`],
    };
  } finally {
    await lock.release();
    await endLockConn();
  }
}

/** Tables whose engine ignores transactions (MyISAM, MEMORY, Aria…): a snapshot does not cover them. */
export async function nonTransactionalTables(
  conn: mysql.Connection,
  database: string,
  tables: string[],
): Promise<string[]> {
  if (tables.length === 0) return [];
  const [r] = await conn.query(
    `SELECT TABLE_NAME AS name, ENGINE AS engine FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) AND TABLE_TYPE = 'BASE TABLE'`,
    [database, tables],
  );
  return (r as { name: string; engine: string | null }[])
    .filter((t) => t.engine && !/^(innodb|xtradb)$/i.test(t.engine))
    .map((t) => `${quoteMysqlIdent(t.name)} (${t.engine})`);
}
