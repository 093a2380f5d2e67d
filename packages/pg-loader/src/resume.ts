import { ConvError, ExitCode, quotePgQualified } from '@conv/core';
import type { LoadPart, LoadTable } from './load-plan.js';
import type { Session } from './session.js';

/**
 * Whether a table, or one key range of it, was committed by an earlier per-table run that died before
 * recording it: empty means no, exactly its rows means yes, anything else changed outside the import.
 * A check, not a step of the load: not written to the import script.
 */
export async function committedBefore(session: Session, table: LoadTable, part?: LoadPart): Promise<boolean> {
  const where = part?.targetWhere ?? { clause: '', values: [] };
  const res = await session.client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${quotePgQualified(table.schema, table.target)} ${where.clause}`,
    where.values,
  );
  const n = Number(res.rows[0]?.n ?? 0);
  const expected = part ? part.rows : table.rows;
  if (n === 0) return false;
  if (n === expected) return true;
  const what = `${table.schema}.${table.target}${part ? ` part ${part.index}/${part.of}` : ''}`;
  throw new ConvError(
    `${what} holds ${n} rows while resuming (expected 0, or ${expected} if it had been committed): it changed outside the import`,
    {
      code: 'import.resume-conflict',
      exit: ExitCode.loadFailed,
      at: { table: table.target },
      hint: 'Remove import_state.json and run the import again from the beginning.',
    },
  );
}
