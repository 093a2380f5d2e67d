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
 * Freezes commits for the instant the export's connections start their snapshots, without stalling the
 * server's writers behind a long statement:
 * 1. MariaDB ≥ 10.4: `BACKUP STAGE START` + `BACKUP STAGE BLOCK_COMMIT` — blocks only commits, briefly,
 *    and does not wait for running SELECTs (needs RELOAD, like FTWRL).
 * 2. Otherwise (MySQL 8, older MariaDB, refused): `FLUSH TABLES WITH READ LOCK`, but only once no other
 *    statement has been running for a second (checked up to `patienceS` times, one second apart), and
 *    with `lock_wait_timeout = 2`: a writer is stalled at most ~2 s, never the old 10 s.
 * Returns the reason as a string when no lock could be had (the caller exports on one connection).
 */
export async function freezeCommits(
  conn: mysql.Connection,
  mariadb: boolean,
  options: { patienceS?: number } = {},
): Promise<HeldLock | string> {
  if (mariadb) {
    try {
      await conn.query('SET SESSION lock_wait_timeout = 10');
      await conn.query('BACKUP STAGE START');
      try {
        await conn.query('BACKUP STAGE BLOCK_COMMIT');
      } catch (err) {
        await conn.query('BACKUP STAGE END').catch(() => {});
        throw err;
      }
      return {
        how: 'BACKUP STAGE BLOCK_COMMIT',
        release: async () => void (await conn.query('BACKUP STAGE END')),
      };
    } catch {
      // older MariaDB or no privilege: the FTWRL path below says why if it fails too
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
    await conn.query('SET SESSION lock_wait_timeout = 2');
    await conn.query('FLUSH TABLES WITH READ LOCK');
    return {
      how: 'FLUSH TABLES WITH READ LOCK',
      release: async () => void (await conn.query('UNLOCK TABLES')),
    };
  } catch (err) {
    return (err as Error).message;
  } finally {
    await conn.query('SET SESSION lock_wait_timeout = DEFAULT').catch(() => {});
  }
}
