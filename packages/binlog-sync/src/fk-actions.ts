import type { MigrationPlan } from '@conv/core';
import type mysql from 'mysql2/promise';
import type pg from 'pg';

const MYSQL_RULE: Record<string, string> = { CASCADE: 'c', 'SET NULL': 'n', 'SET DEFAULT': 'd' };

/** `child(cols)→parent on delete X on update Y`, in target names, for foreign keys with a row-changing action. */
type Fk = Map<string, string>;

/**
 * Foreign-key actions that change rows without a binlog event of their own (InnoDB's ON DELETE/UPDATE
 * CASCADE, SET NULL, SET DEFAULT) must be the same in PostgreSQL, or the two sides' cascades diverge on
 * rows no recorded key names — and the changed-keys verify of the cut-over would not look at them.
 * Returns the differences (empty: the cascades are the same on both sides).
 */
export async function cascadeDifferences(
  my: mysql.Connection,
  client: pg.ClientBase,
  plan: MigrationPlan,
): Promise<string[]> {
  const loaded = plan.tables.filter((t) => t.action === 'load');
  const bySource = new Map(loaded.map((t) => [t.source, t]));
  const byTarget = new Map(loaded.map((t) => [`${t.targetSchema}.${t.target}`, t]));
  const [rows] = await my.query(
    `SELECT rc.CONSTRAINT_NAME AS name, rc.TABLE_NAME AS child, rc.REFERENCED_TABLE_NAME AS parent,
            rc.DELETE_RULE AS del, rc.UPDATE_RULE AS upd,
            GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ',') AS cols
       FROM information_schema.REFERENTIAL_CONSTRAINTS rc
       JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
        AND k.TABLE_NAME = rc.TABLE_NAME
      WHERE rc.CONSTRAINT_SCHEMA = ?
      GROUP BY rc.CONSTRAINT_NAME, rc.TABLE_NAME, rc.REFERENCED_TABLE_NAME, rc.DELETE_RULE, rc.UPDATE_RULE`,
    [plan.source.database],
  );
  const source: Fk = new Map();
  for (const r of rows as { child: string; parent: string; del: string; upd: string; cols: string }[]) {
    const child = bySource.get(r.child);
    const parent = bySource.get(r.parent);
    if (!child || !parent) continue;
    const del = MYSQL_RULE[r.del] ?? 'a';
    const upd = MYSQL_RULE[r.upd] ?? 'a';
    if (del === 'a' && upd === 'a') continue;
    const cols = r.cols.split(',').map((c) => child.columns.find((p) => p.source === c)?.target ?? `?${c}`);
    source.set(`${child.target}(${cols.join(',')})→${parent.target}`, `on delete ${del} on update ${upd}`);
  }
  const res = await client.query<{ child: string; parent: string; del: string; upd: string; cols: string[] }>(
    `SELECT cn.nspname || '.' || c.relname AS child, pn.nspname || '.' || p.relname AS parent,
            k.confdeltype AS del, k.confupdtype AS upd,
            ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i)::text[] AS cols
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
       JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE k.contype = 'f'`,
  );
  const target: Fk = new Map();
  for (const r of res.rows) {
    const child = byTarget.get(r.child);
    const parent = byTarget.get(r.parent);
    if (!child || !parent) continue;
    const del = ['c', 'n', 'd'].includes(r.del) ? r.del : 'a';
    const upd = ['c', 'n', 'd'].includes(r.upd) ? r.upd : 'a';
    if (del === 'a' && upd === 'a') continue;
    target.set(`${child.target}(${r.cols.join(',')})→${parent.target}`, `on delete ${del} on update ${upd}`);
  }
  const out: string[] = [];
  for (const key of new Set([...source.keys(), ...target.keys()])) {
    const a = source.get(key) ?? 'no cascade';
    const b = target.get(key) ?? 'no cascade';
    if (a !== b) out.push(`foreign key ${key}: MySQL ${a}, PostgreSQL ${b}`);
  }
  return out;
}
