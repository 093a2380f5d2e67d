import { quotePgIdent, quotePgQualified } from '@conv/core';
import type pg from 'pg';
import { pgLiteral } from './sql.js';
import { readLiveTarget } from './target.js';

/**
 * The statement that sets `sequence` so its next value is max(column) + 1, or the sequence's start when
 * the table is empty: `text` with `$1` = the sequence name, `script` with it as a literal (for psql).
 */
export function setvalStatement(
  schema: string,
  table: string,
  column: string,
  sequence: string,
): { text: string; values: string[]; script: string } {
  const max = `(SELECT max(${quotePgIdent(column)}) FROM ${quotePgQualified(schema, table)})`;
  const start = (seq: string) =>
    `(SELECT seqstart FROM pg_catalog.pg_sequence WHERE seqrelid = ${seq}::regclass)`;
  return {
    text: `SELECT pg_catalog.setval($1::regclass, COALESCE(${max} + 1, ${start('$1')}), false)::text AS value`,
    values: [sequence],
    script: `SELECT pg_catalog.setval(${pgLiteral(sequence)}::regclass, COALESCE(${max} + 1, ${start(pgLiteral(sequence))}), false)`,
  };
}

/**
 * Resets every sequence owned by a column of `tables` (serial and identity) in `schema`, as the import
 * does after a load — for callers that changed the tables after the import (binlog catch-up, cut-over).
 */
export async function resetOwnedSequences(
  client: pg.ClientBase,
  schema: string,
  tables: readonly string[],
): Promise<{ sequence: string; value: string }[]> {
  const live = await readLiveTarget(client, schema);
  const out: { sequence: string; value: string }[] = [];
  for (const name of tables) {
    const table = live.tables.get(name);
    if (!table) continue;
    for (const [column, info] of table.columns) {
      if (!info.sequence) continue;
      const st = setvalStatement(schema, name, column, info.sequence);
      const res = await client.query<{ value: string }>(st.text, st.values);
      out.push({ sequence: info.sequence, value: res.rows[0]?.value ?? '?' });
    }
  }
  return out;
}
