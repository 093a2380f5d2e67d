import { ConvError, ExitCode, type MigrationPlan, quotePgQualified, serverOf } from '@conv/core';
import { connectPg, readTables } from '@conv/dialect/postgres';
import type pg from 'pg';

/** A planned table that already holds rows, and how many (those the TRUNCATE would remove). */
export interface Occupied {
  table: string;
  rows: number;
}

/**
 * Counts the rows the load would replace, per planned table (`ONLY` unless partitioned: the rows the
 * TRUNCATE removes). Without `replace`, any such row stops the import before anything is written: once
 * the application is live on PostgreSQL, a re-import silently wiping its data is the worst outcome.
 */
export async function rowsToReplace(
  client: pg.ClientBase,
  tables: readonly { schema: string; name: string; only?: boolean }[],
  replace: boolean,
  target: string,
): Promise<Occupied[]> {
  const out: Occupied[] = [];
  for (const t of tables) {
    const from = `${t.only === false ? '' : 'ONLY '}${quotePgQualified(t.schema, t.name)}`;
    const res = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${from}`);
    const rows = Number(res.rows[0]?.n ?? 0);
    if (rows > 0) out.push({ table: t.name, rows });
  }
  if (out.length && !replace) {
    const list = out.map((o) => `${o.table} (${o.rows} rows)`).join(', ');
    throw new ConvError(
      `${target} already holds rows in ${out.length} planned table(s): ${list}; loading would replace them, so nothing was written`,
      {
        code: 'target.not-empty',
        exit: ExitCode.checkFailed,
        at: { table: out[0]!.table },
        hint: 'If these rows may go (a rehearsal, a re-run), run again with --replace; if the application is already live on PostgreSQL, do not re-import',
      },
    );
  }
  return out;
}

/**
 * The same refusal before an export (`run` calls it after check): the planned `load` tables of `plan`
 * that already hold rows, counted on the live target; throws `target.not-empty` unless `replace`.
 */
export async function refuseOccupiedTarget(
  pgUrl: string,
  plan: MigrationPlan,
  replace: boolean,
): Promise<Occupied[]> {
  const client = await connectPg(pgUrl, { application: 'conv check' });
  try {
    // Partitioned targets are counted whole (their TRUNCATE cannot take ONLY): the one catalog reader says which.
    const isPartitioned = new Set(
      (await readTables(client, plan.target.schema)).filter((t) => t.partitioned).map((t) => t.name),
    );
    const tables = plan.tables
      .filter((t) => t.action === 'load')
      .map((t) => ({ schema: t.targetSchema, name: t.target, only: !isPartitioned.has(t.target) }));
    const target = `${serverOf(pgUrl)}/${plan.target.database} schema ${plan.target.schema}`;
    return await rowsToReplace(client, tables, replace, target);
  } finally {
    await client.end().catch(() => {});
  }
}
