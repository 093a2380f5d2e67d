import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';
import type pg from 'pg';

/** Rows of a MySQL query, one at a time (the server is paused while Node is busy). */
export { streamRows as mysqlRows } from '@conv/dialect/mysql';

export async function mysqlAll(conn: mysql.Connection, sql: string, values: unknown[] = []) {
  const [rows] = await conn.query({ sql, values, rowsAsArray: true });
  return rows as unknown as unknown[][];
}

export async function pgAll(client: pg.ClientBase, text: string, values: unknown[] = []) {
  const res = await client.query({ text, values, rowMode: 'array' });
  return res.rows as unknown[][];
}

let cursorSeq = 0;

/**
 * Rows of a PostgreSQL query through a server-side cursor, `batch` rows per round trip. The cursor lives in
 * a READ ONLY transaction that is always closed: also when the consumer stops early (the generator's
 * `return()` runs `finally`), so the connection never stays idle in a transaction.
 */
export async function* pgRows(client: pg.ClientBase, text: string, values: unknown[] = [], batch = 5000) {
  const name = `conv_verify_${++cursorSeq}`;
  await client.query('BEGIN READ ONLY');
  let open = true;
  try {
    await client.query({ text: `DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, values });
    for (;;) {
      const res = await client.query({ text: `FETCH ${batch} FROM ${name}`, rowMode: 'array' });
      for (const row of res.rows as unknown[][]) yield row;
      if (res.rows.length < batch) break;
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => {});
  }
}

/** 60 bits of the SHA-256 of a text, as summed on the servers (the digest of table-sql.ts). */
export function hash60(text: string): bigint {
  return BigInt(`0x${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 15)}`);
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * MD5 of PostgreSQL's jsonb text of each MySQL JSON value (`~` for NULL), computed by PostgreSQL itself:
 * jsonb reorders keys, drops duplicates, rewrites numbers and whitespace; asking the target's own parser is
 * the only way to be sure both sides print the same text.
 */
export async function jsonbHashes(client: pg.ClientBase, texts: (string | null)[]): Promise<string[]> {
  if (texts.length === 0) return [];
  const rows = await pgAll(
    client,
    `SELECT coalesce(md5(x::jsonb::text), '~') FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i`,
    [texts],
  );
  return rows.map((r) => String(r[0]));
}
