import { quoteMysqlIdent, quotePgIdent } from '@conv/core';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { hash60, jsonbHashes, md5Hex, mysqlAll, mysqlRows, pgAll, pgRows } from './db.js';
import type { RowMismatch } from './report.js';
import { pgRowHashText, type SideSql, SOURCE_ALIAS, type TableSql } from './table-sql.js';

export interface Summary {
  rows: number;
  sum: bigint;
}

/** A range chunk `(lo, hi]` of the row key (null = unbounded), or a key-hash bucket. */
export type Chunk =
  | { kind: 'range'; index: number; lo: Bound | null; hi: Bound | null }
  | { kind: 'bucket'; index: number; buckets: number };

/** A boundary key as each side wants it: MySQL's own value (index comparison) and the canonical text. */
export interface Bound {
  mysql: unknown;
  pg: string;
}

export interface Sides {
  mysql: mysql.Connection;
  pg: pg.ClientBase;
  /** A second PostgreSQL client, to normalise MySQL JSON while the first one streams. */
  jsonb: () => Promise<pg.ClientBase>;
}

export type HashIn = 'sql' | 'node';

const add = (map: Map<number, Summary>, index: number, h: bigint) => {
  const s = map.get(index);
  if (s) {
    s.rows++;
    s.sum += h;
  } else map.set(index, { rows: 1, sum: h });
};

/**
 * Cuts the table into ranges of `chunkRows` keys in MySQL key order (the key is range-safe). Also how
 * `migrate` splits a large table into parts (one home for the boundaries).
 */
export async function rangeChunks(
  conn: mysql.Connection,
  sql: TableSql,
  chunkRows: number,
): Promise<Chunk[]> {
  const my = sql.mysql;
  const bounds: Bound[] = [];
  let n = 0;
  for await (const row of mysqlRows(
    conn,
    `SELECT ${my.keyColumn}, ${my.keyCanonical[0]} FROM ${my.from} ORDER BY ${my.keyColumn}`,
  )) {
    if (++n % chunkRows === 0) bounds.push({ mysql: row[0], pg: String(row[1]) });
  }
  // A bound on the very last key would leave an empty trailing chunk: let the last chunk run open-ended.
  if (n > 0 && n % chunkRows === 0) bounds.pop();
  const chunks: Chunk[] = [];
  for (let i = 0; i <= bounds.length; i++) {
    chunks.push({ kind: 'range', index: i, lo: bounds[i - 1] ?? null, hi: bounds[i] ?? null });
  }
  return chunks;
}

export function bucketChunks(rows: number, chunkRows: number): Chunk[] {
  const buckets = Math.max(1, Math.ceil(rows / chunkRows));
  return Array.from({ length: buckets }, (_, index) => ({ kind: 'bucket' as const, index, buckets }));
}

/** WHERE clause and parameters of a set of chunks (ranges: one chunk; buckets: any number). */
export function where(
  side: SideSql,
  chunks: Chunk[],
  which: 'mysql' | 'pg',
): { clause: string; values: unknown[] } {
  const first = chunks[0]!;
  if (first.kind === 'range') {
    const parts: string[] = [];
    const values: unknown[] = [];
    if (first.lo) {
      values.push(first.lo[which]);
      parts.push(`${side.keyColumn} > ${side.param(values.length)}`);
    }
    if (first.hi) {
      values.push(first.hi[which]);
      parts.push(`${side.keyColumn} <= ${side.param(values.length)}`);
    }
    return { clause: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values };
  }
  if (chunks.length === first.buckets) return { clause: '', values: [] };
  // Bucket numbers are integers we computed: safe to inline.
  return {
    clause: `WHERE ${side.bucket(first.buckets)} IN (${chunks.map((c) => c.index).join(', ')})`,
    values: [],
  };
}

/** Count and hash sum per chunk, MySQL side. */
export async function summarizeMysql(
  sides: Sides,
  sql: TableSql,
  chunks: Chunk[],
  hashIn: HashIn,
): Promise<Map<number, Summary>> {
  const my = sql.mysql;
  const out = new Map<number, Summary>();
  const inNode = hashIn === 'node' || sql.jsonb.length > 0;
  const hashInput = sql.jsonb.length > 0 ? [my.digest(my.rowText), ...my.jsonbExprs].join(', ') : my.rowText;
  for (const group of groups(chunks)) {
    const w = where(my, group, 'mysql');
    const bucketCol =
      group[0]!.kind === 'bucket' ? `${my.bucket((group[0] as { buckets: number }).buckets)}, ` : '';
    const fixed = group[0]!.kind === 'range' ? group[0]!.index : -1;
    if (!inNode) {
      const sumExpr = `CAST(COALESCE(SUM(${my.hash60(my.rowText)}), 0) AS CHAR)`;
      const rows =
        fixed >= 0
          ? (
              await mysqlAll(sides.mysql, `SELECT COUNT(*), ${sumExpr} FROM ${my.from} ${w.clause}`, w.values)
            ).map((r) => [fixed, ...r])
          : await mysqlAll(
              sides.mysql,
              `SELECT ${bucketCol}COUNT(*), ${sumExpr} FROM ${my.from} ${w.clause} GROUP BY 1`,
              w.values,
            );
      for (const [i, count, sum] of rows) {
        if (Number(count) > 0) out.set(Number(i), { rows: Number(count), sum: BigInt(String(sum)) });
      }
      continue;
    }
    const pending: { index: number; plain: string; json: (string | null)[] }[] = [];
    const flush = async () => {
      const json = pending.flatMap((p) => p.json);
      const hashes = await jsonbHashes(await sides.jsonb(), json);
      let k = 0;
      for (const p of pending) {
        const fields = p.json.map(() => hashes[k++]!);
        add(out, p.index, hash60([p.plain, ...fields].join(',')));
      }
      pending.length = 0;
    };
    for await (const row of mysqlRows(
      sides.mysql,
      `SELECT ${bucketCol}${hashInput} FROM ${my.from} ${w.clause}`,
      w.values,
    )) {
      const index = fixed >= 0 ? fixed : Number(row[0]);
      const values = fixed >= 0 ? row : row.slice(1);
      if (sql.jsonb.length === 0) {
        add(out, index, hash60(String(values[0])));
      } else {
        pending.push({ index, plain: String(values[0]), json: values.slice(1).map(textOrNull) });
        if (pending.length >= 1000) await flush();
      }
    }
    if (pending.length) await flush();
  }
  return out;
}

/** Count and hash sum per chunk, PostgreSQL side. */
export async function summarizePg(
  sides: Sides,
  sql: TableSql,
  chunks: Chunk[],
  hashIn: HashIn,
): Promise<Map<number, Summary>> {
  const p = sql.pg;
  const out = new Map<number, Summary>();
  const text = pgRowHashText(sql);
  for (const group of groups(chunks)) {
    const w = where(p, group, 'pg');
    const bucketCol =
      group[0]!.kind === 'bucket' ? `${p.bucket((group[0] as { buckets: number }).buckets)}, ` : '';
    const fixed = group[0]!.kind === 'range' ? group[0]!.index : -1;
    if (hashIn === 'sql') {
      const sumExpr = `coalesce(sum(${p.hash60(text)}), 0)::text`;
      const rows =
        fixed >= 0
          ? (await pgAll(sides.pg, `SELECT count(*), ${sumExpr} FROM ${p.from} ${w.clause}`, w.values)).map(
              (r) => [fixed, ...r],
            )
          : await pgAll(
              sides.pg,
              `SELECT ${bucketCol}count(*), ${sumExpr} FROM ${p.from} ${w.clause} GROUP BY 1`,
              w.values,
            );
      for (const [i, count, sum] of rows) {
        if (Number(count) > 0) out.set(Number(i), { rows: Number(count), sum: BigInt(String(sum)) });
      }
      continue;
    }
    for await (const row of pgRows(
      sides.pg,
      `SELECT ${bucketCol}${text} FROM ${p.from} ${w.clause}`,
      w.values,
    )) {
      const index = fixed >= 0 ? fixed : Number(row[0]);
      add(out, index, hash60(String(fixed >= 0 ? row[0] : row[1])));
    }
  }
  return out;
}

/** Range chunks are queried one by one (each uses the key index); buckets all in one scan. */
function groups(chunks: Chunk[]): Chunk[][] {
  if (chunks.length === 0) return [];
  return chunks[0]!.kind === 'range' ? chunks.map((c) => [c]) : [chunks];
}

function textOrNull(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

interface RowFields {
  key: (string | null)[];
  fields: string[];
  /** The key as the side stores it: MySQL's own values / PostgreSQL's text (to look the row up again). */
  raw: unknown[];
}

/** Every row of the given chunks, with its key and one digest per column (jsonb: MD5 of PostgreSQL's text). */
async function rowsOf(sides: Sides, sql: TableSql, chunks: Chunk[], which: 'mysql' | 'pg') {
  return rowsWhere(sides, sql, which, where(sql[which], chunks, which));
}

/** The raw key columns of one side (MySQL: the column itself; PostgreSQL: its text). */
function rawKeyColumns(sql: TableSql, which: 'mysql' | 'pg'): string[] {
  return which === 'mysql'
    ? sql.key.map((p) => `${quoteMysqlIdent(SOURCE_ALIAS)}.${quoteMysqlIdent(p.source)}`)
    : sql.key.map((p) => `${quotePgIdent(p.target)}::text`);
}

async function rowsWhere(
  sides: Sides,
  sql: TableSql,
  which: 'mysql' | 'pg',
  w: { clause: string; values: unknown[] },
) {
  const side = sql[which];
  const raw = rawKeyColumns(sql, which);
  const select = [
    ...side.keyCanonical,
    ...side.fields.map((f) => side.digest(f)),
    ...side.jsonbExprs,
    ...raw,
  ].join(', ');
  const query = `SELECT ${select} FROM ${side.from} ${w.clause}`;
  const all =
    which === 'mysql' ? await mysqlAll(sides.mysql, query, w.values) : await pgAll(sides.pg, query, w.values);
  const nr = raw.length;
  const rows = all.map((r) => r.slice(0, r.length - nr));
  const nk = side.keyCanonical.length;
  const np = side.fields.length;
  let jsonHashes: string[] = [];
  if (which === 'mysql' && sql.jsonb.length > 0) {
    jsonHashes = await jsonbHashes(
      await sides.jsonb(),
      rows.flatMap((r) => r.slice(nk + np).map(textOrNull)),
    );
  }
  const out = new Map<string, RowFields>();
  rows.forEach((r, i) => {
    const key = r.slice(0, nk).map(textOrNull);
    const json =
      which === 'mysql' && sql.jsonb.length > 0
        ? jsonHashes.slice(i * sql.jsonb.length, (i + 1) * sql.jsonb.length)
        : r.slice(nk + np).map(String);
    const fields = [...r.slice(nk, nk + np).map(String), ...json];
    // Without a key, a row is known by its content: equal rows are told apart by their occurrence.
    let id = nk > 0 ? JSON.stringify(key) : md5Hex(fields.join(','));
    if (nk === 0) {
      let n = 0;
      while (out.has(`${id}#${n}`)) n++;
      id = `${id}#${n}`;
    }
    out.set(id, { key, fields, raw: all[i]!.slice(all[i]!.length - nr) });
  });
  return out;
}

/** Rows of both sides compared one by one: keys of missing, extra and differing rows (at most `limit`). */
function compareRows(
  sql: TableSql,
  source: Map<string, RowFields>,
  target: Map<string, RowFields>,
  out: RowMismatch[],
  limit: number,
  rawKeys: boolean,
): void {
  const columns = [...sql.plain, ...sql.jsonb].map((p) => p.target);
  const keyNames = sql.key.map((p) => p.target);
  const keyOf = (r: RowFields) =>
    Object.fromEntries(
      keyNames.length
        ? keyNames.map((k, i) => [k, r.key[i] ?? null])
        : [['#row', md5Hex(r.fields.join(','))]],
    );
  const withRaw = (m: RowMismatch, s?: RowFields, t?: RowFields): RowMismatch => {
    if (rawKeys && keyNames.length) {
      if (s) m.sourceKey = s.raw;
      if (t) m.targetKey = t.raw.map(textOrNull);
    }
    return m;
  };
  for (const [id, row] of source) {
    if (out.length >= limit) return;
    const other = target.get(id);
    if (!other) {
      out.push(withRaw({ key: keyOf(row), columns: [], kind: 'missing-in-target' }, row));
      continue;
    }
    const differing = columns.filter((_, i) => row.fields[i] !== other.fields[i]);
    if (differing.length)
      out.push(withRaw({ key: keyOf(row), columns: differing, kind: 'differs' }, row, other));
  }
  for (const [id, row] of target) {
    if (out.length >= limit) return;
    if (!source.has(id))
      out.push(withRaw({ key: keyOf(row), columns: [], kind: 'extra-in-target' }, undefined, row));
  }
}

/** WHERE clause selecting rows by key values, `(k1, k2) IN ((?, ?), …)` (index lookups on both sides). */
function keyWhere(cols: string[], keys: readonly unknown[][], param: (n: number) => string) {
  const values: unknown[] = [];
  const tuples = keys.map((k) => {
    const ps = k.map((v) => {
      values.push(v);
      return param(values.length);
    });
    return cols.length === 1 ? ps[0]! : `(${ps.join(', ')})`;
  });
  const lhs = cols.length === 1 ? cols[0]! : `(${cols.join(', ')})`;
  return { clause: `WHERE ${lhs} IN (${tuples.join(', ')})`, values };
}

const KEYS_PER_QUERY = 500;

/**
 * Compares the rows with the given keys on both sides, read from each database itself: `source` keys are
 * looked up in MySQL (its own column values), `target` keys in PostgreSQL (text of the target key), rows are
 * matched by the canonical key. Returns the rows compared on each side and the differences.
 */
export async function diffKeys(
  sides: Sides,
  sql: TableSql,
  keys: { source: readonly unknown[][]; target: readonly (string | null)[][] },
  limit: number,
  rawKeys = false,
  signal?: AbortSignal,
): Promise<{ sourceRows: number; targetRows: number; mismatches: RowMismatch[] }> {
  const source = new Map<string, RowFields>();
  const target = new Map<string, RowFields>();
  const myCols = sql.key.map((p) => `${quoteMysqlIdent(SOURCE_ALIAS)}.${quoteMysqlIdent(p.source)}`);
  const pgCols = sql.key.map((p) => quotePgIdent(p.target));
  // The two sides on their own connections, at the same time.
  await Promise.all([
    (async () => {
      for (let i = 0; i < keys.source.length; i += KEYS_PER_QUERY) {
        signal?.throwIfAborted();
        const w = keyWhere(myCols, keys.source.slice(i, i + KEYS_PER_QUERY), sql.mysql.param);
        for (const [id, r] of await rowsWhere(sides, sql, 'mysql', w)) source.set(id, r);
      }
    })(),
    (async () => {
      for (let i = 0; i < keys.target.length; i += KEYS_PER_QUERY) {
        signal?.throwIfAborted();
        const w = keyWhere(pgCols, keys.target.slice(i, i + KEYS_PER_QUERY), sql.pg.param);
        for (const [id, r] of await rowsWhere(sides, sql, 'pg', w)) target.set(id, r);
      }
    })(),
  ]);
  const mismatches: RowMismatch[] = [];
  compareRows(sql, source, target, mismatches, limit, rawKeys);
  return { sourceRows: source.size, targetRows: target.size, mismatches };
}

/** Compares the rows of mismatched chunks one by one: keys of missing, extra and differing rows. */
export async function diffChunks(
  sides: Sides,
  sql: TableSql,
  chunks: Chunk[],
  limit: number,
  rawKeys = false,
): Promise<RowMismatch[]> {
  const out: RowMismatch[] = [];
  const sets = chunks[0]?.kind === 'range' ? chunks.map((c) => [c]) : [chunks];
  for (const set of sets) {
    const [source, target] = await Promise.all([
      rowsOf(sides, sql, set, 'mysql'),
      rowsOf(sides, sql, set, 'pg'),
    ]);
    compareRows(sql, source, target, out, limit, rawKeys);
    if (out.length >= limit) return out;
  }
  return out;
}
