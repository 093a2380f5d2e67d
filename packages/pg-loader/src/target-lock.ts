import { ConvError, ExitCode } from '@conv/core';
import type pg from 'pg';

/**
 * One writer per target: a session-level PostgreSQL advisory lock on (database, schema), held by the
 * import's own connection. PostgreSQL releases it when that connection ends, however the process ends
 * (kill -9 included), so there is nothing stale to clean up.
 */
export async function lockTarget(client: pg.ClientBase, schema: string, target: string): Promise<void> {
  const key = ['conv import', schema];
  const res = await client.query<{ ok: boolean }>(
    'SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext($1), pg_catalog.hashtext($2)) AS ok',
    key,
  );
  if (res.rows[0]?.ok) return;
  const holder = await client.query<{ pid: number; app: string; since: string }>(
    `SELECT a.pid, a.application_name AS app, a.backend_start::text AS since
       FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
        AND l.classid::int = pg_catalog.hashtext($1) AND l.objid::int = pg_catalog.hashtext($2) AND l.objsubid = 2`,
    key,
  );
  const h = holder.rows[0];
  throw new ConvError(
    `another conv import is writing into ${target}${h ? ` (PostgreSQL backend ${h.pid}, ${h.app || 'no application name'}, connected since ${h.since})` : ''}: refused, nothing was written`,
    {
      code: 'target.busy',
      exit: ExitCode.usage,
      hint: 'Wait for that import to finish (or stop it), then run this one again. Two loads into one schema at once would mix their rows.',
    },
  );
}

export { DIR_LOCK_FILE, lockDirectory } from '@conv/core';
