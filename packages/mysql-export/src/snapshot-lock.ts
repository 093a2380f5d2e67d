import type mysql from 'mysql2/promise';

/** How the moment of a multi-connection snapshot is frozen, and how to undo it. */
export interface HeldLock {
  how: string;
  release(): Promise<void>;
}

/** Statements of other sessions running for a second or more: FTWRL would wait for them while blocking every writer. */
const LONG_RUNNING = `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
  WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump', 'Binlog Dump GTID')
    AND INFO IS NOT NULL AND TIME >= 1`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How commits are frozen on a server:
 * - `backup-stage` (MariaDB ≥ 10.4.1): `BACKUP STAGE START` + `BACKUP STAGE BLOCK_COMMIT` — blocks only
 *   commits, briefly, and does not wait for running SELECTs (needs RELOAD).
 * - `ftwrl` (MySQL 5.7/8.x/9.x, MariaDB < 10.4): `FLUSH TABLES WITH READ LOCK`. MySQL 8's
 *   `LOCK INSTANCE FOR BACKUP` is no substitute: it blocks DDL and file operations but permits DML and
 *   commits, so snapshots started under it on several connections need not see the same commits.
 */
export type FreezeMethod = 'backup-stage' | 'ftwrl';

export const FREEZE_STATEMENTS: Record<FreezeMethod, { lock: string[]; release: string[] }> = {
  'backup-stage': {
    lock: ['BACKUP STAGE START', 'BACKUP STAGE BLOCK_COMMIT'],
    release: ['BACKUP STAGE END'],
  },
  ftwrl: { lock: ['FLUSH TABLES WITH READ LOCK'], release: ['UNLOCK TABLES'] },
};

/** The freeze method for a server, from `SELECT VERSION()` (`10.11.6-MariaDB-0+deb12u1`, `8.0.36`, `8.4.0`). */
export function freezeMethodFor(version: string): FreezeMethod {
  // Old MariaDB clients saw a `5.5.5-` prefix (replication compatibility); VERSION() may still carry it.
  const v = version.replace(/^5\.5\.5-/, '');
  if (!/mariadb/i.test(v)) return 'ftwrl';
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number);
  const atLeast = major > 10 || (major === 10 && (minor > 4 || (minor === 4 && patch >= 1)));
  return atLeast ? 'backup-stage' : 'ftwrl';
}

/**
 * Freezes commits for the instant the export's connections start their snapshots, without stalling the
 * server's writers behind a long statement:
 * 1. `backup-stage` (see FreezeMethod); when refused (no privilege) it falls back to 2.
 * 2. `ftwrl`, but only once no other statement has been running for a second (checked up to `patienceS`
 *    times, one second apart), and with `lock_wait_timeout = 2`: a writer is stalled at most ~2 s, never
 *    the old 10 s.
 * Returns the reason as a string when no lock could be had (the caller exports on one connection).
 */
export async function freezeCommits(
  conn: mysql.Connection,
  method: FreezeMethod,
  options: { patienceS?: number } = {},
): Promise<HeldLock | string> {
  if (method === 'backup-stage') {
    const { lock, release } = FREEZE_STATEMENTS['backup-stage'];
    try {
      await conn.query('SET SESSION lock_wait_timeout = 10');
      await conn.query(lock[0]!);
      try {
        await conn.query(lock[1]!);
      } catch (err) {
        await conn.query(release[0]!).catch(() => {});
        throw err;
      }
      return {
        how: lock[1]!,
        release: async () => void (await conn.query(release[0]!)),
      };
    } catch {
      // no privilege: the FTWRL path below says why if it fails too
    } finally {
      await conn.query('SET SESSION lock_wait_timeout = DEFAULT').catch(() => {});
    }
  }
  const patience = options.patienceS ?? 30;
  let busy = 0;
  for (let i = 0; i <= patience; i++) {
    const [r] = await conn.query(LONG_RUNNING);
    busy = Number((r as { n: number }[])[0]?.n ?? 0);
    if (busy === 0) break;
    if (i === patience) {
      return `${busy} statement(s) kept running for ${patience} s; FLUSH TABLES WITH READ LOCK was not tried (it would have stalled every writer behind them)`;
    }
    await sleep(1000);
  }
  try {
    const { lock, release } = FREEZE_STATEMENTS.ftwrl;
    await conn.query('SET SESSION lock_wait_timeout = 2');
    await conn.query(lock[0]!);
    return {
      how: lock[0]!,
      release: async () => void (await conn.query(release[0]!)),
    };
  } catch (err) {
    return (err as Error).message;
  } finally {
    await conn.query('SET SESSION lock_wait_timeout = DEFAULT').catch(() => {});
  }
}
