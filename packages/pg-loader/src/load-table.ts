// One table's load inside the caller's transaction: triggers switched, secondary indexes deferred,
// the COPY, the rebuild, and the deferrable unique keys that replica leaves unchecked.
import { deferrableUniques, duplicateError, duplicateQuery } from './deferred-unique.js';
import type { LoadOptions } from './import.js';
import { deferrableIndexes, dropIndex } from './indexes.js';
import { indexBuilt, type RunContext, type RunOutcome } from './load-context.js';
import type { LoadTable } from './load-plan.js';
import type { Session } from './session.js';
import { copyFromStdin, psqlCopyLine } from './sql.js';

export async function loadOne(
  session: Session,
  table: LoadTable,
  ctx: RunContext,
  options: LoadOptions,
  outcome: RunOutcome,
  freeze: boolean,
): Promise<{ table: string; rows: number; bytes: number; ms: number }> {
  const switches = ctx.triggers?.get(table.target);
  for (const sql of switches?.before ?? []) await session.run(sql);
  // Secondary indexes are built once over the loaded rows instead of maintained row by row; in the same
  // transaction as the COPY, so a failure leaves them as they were. Only the table's owner may drop them.
  const deferred =
    options.deferIndexes !== false && table.owned !== false
      ? await deferrableIndexes(session.client, table.schema, table.target)
      : [];
  for (const index of deferred) await session.run(dropIndex(index));
  if (table.file) {
    session.artifacts.statement(psqlCopyLine(table.schema, table.target, table.columns, table.file, freeze));
  } else {
    session.artifacts.comment(
      `${copyFromStdin(table.schema, table.target, table.columns, freeze)}: rows streamed from MySQL table ${table.table}`,
    );
  }
  ctx.progress.start(table.target, { rows: table.rows, bytes: table.bytes });
  const { rows, bytes, ms } = await options.copy(
    session.client,
    table,
    (moved) => {
      const estimate = table.bytes > 0 ? Math.floor((table.rows * moved) / table.bytes) : 0;
      ctx.progress.update(table.target, estimate, moved);
    },
    { freeze, stall: ctx.stall },
  );
  const indexStarted = Date.now();
  for (const [i, index] of deferred.entries()) {
    ctx.progress.phase?.(table.target, `index build ${i + 1}/${deferred.length}: ${index.name}`);
    await session.run(index.definition);
    indexBuilt(ctx);
  }
  if (deferred.length) {
    outcome.deferredIndexes.push({
      table: table.target,
      indexes: deferred.map((i) => i.name),
      ms: Date.now() - indexStarted,
    });
  }
  // Under replica, deferrable unique keys are not checked at all (their triggers do not fire): check now.
  if (outcome.strategy === 'replica') {
    for (const u of await deferrableUniques(session.client, table.schema, table.target)) {
      const sample = await session.run(duplicateQuery(table.schema, table.target, u));
      if (sample.length) throw duplicateError(table.schema, table.target, u, sample);
    }
  }
  ctx.progress.finish(table.target, rows, bytes);
  for (const sql of switches?.after ?? []) await session.run(sql);
  session.artifacts.info(
    `loaded ${table.schema}.${table.target}${table.file ? ` from ${table.file}` : ''}: ${rows} rows, ${bytes} bytes in ${ms} ms (${ms > 0 ? ((bytes / 1048576) * (1000 / ms)).toFixed(1) : '-'} MB/s)${freeze ? ', COPY FREEZE' : ''}${deferred.length ? `; ${deferred.length} index(es) rebuilt after the COPY in ${Date.now() - indexStarted} ms` : ''}`,
  );
  return { table: table.target, rows, bytes, ms };
}
