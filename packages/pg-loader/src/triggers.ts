import { ConvError, ExitCode, quotePgIdent, quotePgQualified } from '@conv/core';
import type pg from 'pg';
import type { FkStrategy } from './foreign-keys.js';
import type { LoadTable } from './load-plan.js';
import type { LiveTarget } from './target.js';

/**
 * `fire`: user triggers of the loaded tables run for every loaded row (a BEFORE INSERT trigger that fills
 * a search column, say). `skip`: they do not (the rows arrive exactly as MySQL holds them). `auto`
 * (default): fire on a table whose target has columns the load leaves out — a trigger is how they get
 * their values — and skip on a table that gets every column from MySQL.
 */
export type TriggerMode = 'auto' | 'fire' | 'skip';
export const TRIGGER_MODES: readonly TriggerMode[] = ['auto', 'fire', 'skip'];

/** What happens to one user trigger during the load. */
export interface TriggerAction {
  table: string;
  trigger: string;
  action: 'fired' | 'skipped';
}

/** The switches for one table, applied around its COPY inside the load transaction, then undone. */
export interface TableTriggers {
  before: string[];
  after: string[];
  actions: TriggerAction[];
}

// pg_trigger.tgenabled: O fires in an origin session, R in a replica session, A always, D never.
const RESTORE: Record<string, string> = {
  O: 'ENABLE',
  R: 'ENABLE REPLICA',
  A: 'ENABLE ALWAYS',
  D: 'DISABLE',
};

export async function planTriggers(
  client: pg.ClientBase,
  live: LiveTarget,
  tables: LoadTable[],
  mode: TriggerMode,
  strategy: FkStrategy,
): Promise<Map<string, TableTriggers>> {
  const res = await client.query<{ table: string; name: string; enabled: string }>(
    `SELECT c.relname AS "table", t.tgname AS name, t.tgenabled::text AS enabled
       FROM pg_catalog.pg_trigger t
       JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D'
      ORDER BY c.relname, t.tgname`,
    [live.schema],
  );
  const replica = strategy === 'replica';
  const out = new Map<string, TableTriggers>();
  for (const table of tables) {
    const triggers = res.rows.filter((r) => r.table === table.target);
    if (!triggers.length) continue;
    const liveTable = live.tables.get(table.target);
    const leftOut = [...(liveTable?.columns ?? new Map())].filter(
      ([name, c]) => !c.generated && !table.columns.includes(name),
    );
    const fire = mode === 'fire' || (mode === 'auto' && leftOut.length > 0);
    const q = quotePgQualified(table.schema, table.target);
    const plan: TableTriggers = { before: [], after: [], actions: [] };
    for (const t of triggers) {
      const firesAnyway = t.enabled === 'A' || (replica ? t.enabled === 'R' : t.enabled === 'O');
      if (fire !== firesAnyway) {
        if (!liveTable?.owned) {
          if (mode !== 'auto') throw notOwner(table.target, t.name, mode, live.role);
          plan.actions.push({
            table: table.target,
            trigger: t.name,
            action: firesAnyway ? 'fired' : 'skipped',
          });
          continue;
        }
        plan.before.push(
          `ALTER TABLE ${q} ${fire ? 'ENABLE ALWAYS' : 'DISABLE'} TRIGGER ${quotePgIdent(t.name)}`,
        );
        plan.after.push(`ALTER TABLE ${q} ${RESTORE[t.enabled]} TRIGGER ${quotePgIdent(t.name)}`);
      }
      plan.actions.push({ table: table.target, trigger: t.name, action: fire ? 'fired' : 'skipped' });
    }
    out.set(table.target, plan);
  }
  return out;
}

function notOwner(table: string, trigger: string, mode: TriggerMode, role: string): ConvError {
  return new ConvError(
    `--triggers ${mode}: trigger ${trigger} on ${table} cannot be switched for the load: role ${role} does not own ${table}; nothing was written`,
    {
      code: 'target.triggers-not-owner',
      exit: ExitCode.usage,
      at: { table },
      hint: 'connect as the owner of the table, or leave --triggers at its default (auto)',
    },
  );
}
