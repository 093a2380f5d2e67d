// Rows of a partitioned target without a partition: PostgreSQL refuses them ("no partition of relation
// … found for row") and the load fails after check said it was clean. Check counts them on the source
// where the key and the bounds can be compared exactly, and says so where it cannot.
import type { ColumnPair, PlannedTable, SourceColumn, TargetCatalog, TargetTable } from '@conv/core';
import { mysqlUtf8Bytes, quoteMysqlIdent, quotePgQualified } from '@conv/core';
import type { ScanRule } from './rules/scan.js';
import { zeroDateCondition } from './rules/temporal.js';

/** What check knows of a partitioned target's coverage. */
export type PartitionCoverage =
  | { kind: 'covered'; why: string }
  | { kind: 'counted'; rule: ScanRule }
  | { kind: 'unknown'; why: string };

type Literal = { kind: 'min' | 'max' | 'null' } | { kind: 'value'; text: string; quoted: boolean };

const TOKEN = /'(?:[^']|'')*'|-?\d+(?:\.\d+)?|MINVALUE|MAXVALUE|NULL/gi;

/** The literals of one parenthesised bound list as PostgreSQL prints it; null when it holds anything else. */
function literals(list: string): Literal[] | null {
  const tokens = list.match(TOKEN) ?? [];
  // Everything that is not a token must be commas and spaces: an expression is not understood.
  if (list.replace(TOKEN, '').replace(/[\s,]/g, '') !== '') return null;
  return tokens.map((t) => {
    const u = t.toUpperCase();
    if (u === 'MINVALUE') return { kind: 'min' };
    if (u === 'MAXVALUE') return { kind: 'max' };
    if (u === 'NULL') return { kind: 'null' };
    if (!t.startsWith("'")) return { kind: 'value', text: t, quoted: false };
    const text = t.slice(1, -1).replaceAll("''", "'");
    // Dates and timestamps: no MySQL value is infinite, so these bounds are open ends.
    if (text === 'infinity') return { kind: 'max' };
    if (text === '-infinity') return { kind: 'min' };
    return { kind: 'value', text, quoted: true };
  });
}

/** The one plain column of a partition key (`RANGE (id)`, `LIST ("regionCode")`); null otherwise. */
function keyColumn(def: string): { strategy: string; column: string } | null {
  const m = /^(RANGE|LIST|HASH) \((.*)\)$/.exec(def);
  if (!m) return null;
  const inner = m[2]!;
  const quoted = /^"((?:[^"]|"")+)"$/.exec(inner);
  if (quoted) return { strategy: m[1]!, column: quoted[1]!.replaceAll('""', '"') };
  return /^[a-z_][a-z0-9_$]*$/.test(inner) ? { strategy: m[1]!, column: inner } : null;
}

/** How a key value compares on both sides: exactly for integers, dates and (equality only) bytes of text. */
function comparable(
  pair: ColumnPair,
  strategy: string,
  source: SourceColumn,
  target: TargetTable,
): 'number' | 'temporal' | 'bytes' | 'padded' | null {
  if (pair.transform) return null;
  if (pair.conversion === 'integer') return 'number';
  if (pair.conversion === 'date' || pair.conversion === 'timestamp') {
    // A zero date is NULL in PostgreSQL: handled as NULL below. timestamptz bounds carry a zone, and a
    // target keeping fewer fractional digits rounds the key before routing it: neither compares alike.
    const kept = target.columns.find((c) => c.name === pair.target)?.datetimePrecision ?? 6;
    if (pair.targetBaseType === 'timestamptz') return null;
    if (pair.conversion === 'timestamp' && kept < (source.datetimePrecision ?? 0)) return null;
    return 'temporal';
  }
  // Text orders by collation on both sides (differently): only LIST's equality, on the UTF-8 bytes; char(n)
  // ignores trailing spaces (PostgreSQL prints its bounds padded); citext ignores case: not compared.
  if (pair.conversion === 'text' && strategy === 'LIST') {
    if (pair.targetBaseType === 'bpchar') return 'padded';
    return pair.targetBaseType === 'text' || pair.targetBaseType === 'varchar' ? 'bytes' : null;
  }
  return null;
}

/**
 * Whether every source row of `table` has a partition in `tgt`: covered (a DEFAULT partition, or hash
 * partitions of one modulus with every remainder), a scan rule counting the rows without one (single-column
 * RANGE or LIST keys over integers, dates, timestamps, or LIST over text), or unknown with the reason.
 */
export function partitionCoverage(
  table: PlannedTable,
  tgt: TargetTable,
  target: TargetCatalog,
  source: SourceColumn[],
): PartitionCoverage {
  const parts = target.partitions.filter((p) => p.parent === tgt.name);
  // First: a partitioned DEFAULT partition routes its rows further down, where none may take them.
  if (parts.some((p) => p.partitioned)) {
    return { kind: 'unknown', why: 'its partitions are partitioned again (check reads one level)' };
  }
  if (parts.some((p) => p.bound === 'DEFAULT')) return { kind: 'covered', why: 'it has a DEFAULT partition' };
  if (!parts.length) return { kind: 'counted', rule: noPartition(table, tgt, '1 = 1', []) };
  const key = tgt.partitionKey ? keyColumn(tgt.partitionKey) : null;
  if (!key) return { kind: 'unknown', why: `its key ${tgt.partitionKey ?? '?'} is not one plain column` };
  if (key.strategy === 'HASH') {
    const hashes = parts.map((p) =>
      /^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$/.exec(p.bound ?? ''),
    );
    const modulus = new Set(hashes.map((h) => h?.[1]));
    const remainders = new Set(hashes.map((h) => h?.[2]));
    const m = Number([...modulus][0]);
    return modulus.size === 1 && remainders.size === m
      ? { kind: 'covered', why: `hash partitions take every remainder of modulus ${m}` }
      : { kind: 'unknown', why: 'its hash partitions have several moduli or leave remainders out' };
  }
  const pair = table.columns.find((c) => c.target === key.column);
  const column = pair && source.find((c) => c.name === pair.source);
  const how = pair && column && comparable(pair, key.strategy, column, tgt);
  if (!pair || !column || !how) {
    return { kind: 'unknown', why: `its key column ${key.column} is not compared alike on both sides` };
  }
  const col = `c.${quoteMysqlIdent(pair.source)}`;
  const unpadded = (e: string) => `TRIM(TRAILING ' ' FROM ${e})`;
  const value =
    how === 'bytes' ? mysqlUtf8Bytes(col) : how === 'padded' ? mysqlUtf8Bytes(unpadded(col)) : col;
  // A number compared with a string is compared as a double in MySQL: the bound is cast to an exact decimal.
  const param =
    how === 'bytes'
      ? mysqlUtf8Bytes('?')
      : how === 'padded'
        ? mysqlUtf8Bytes(unpadded('?'))
        : how === 'number'
          ? 'CAST(? AS DECIMAL(65,30))'
          : '?';
  // NULL in PostgreSQL: a NULL, and a zero date (the load writes NULL for it).
  const isNull = how === 'temporal' ? `(${col} IS NULL OR ${zeroDateCondition(col)})` : `${col} IS NULL`;
  const params: string[] = [];
  const accepts: string[] = [];
  let nullAccepted = false;
  for (const p of parts) {
    const range = /^FOR VALUES FROM \((.*)\) TO \((.*)\)$/.exec(p.bound ?? '');
    const list = /^FOR VALUES IN \((.*)\)$/.exec(p.bound ?? '');
    if (key.strategy === 'RANGE' && range) {
      const [lo, hi] = [literals(range[1]!), literals(range[2]!)];
      if (lo?.length !== 1 || hi?.length !== 1)
        return { kind: 'unknown', why: `bound of ${p.name} not understood` };
      const bounds: string[] = [];
      for (const [b, op] of [
        [lo[0]!, '>='],
        [hi[0]!, '<'],
      ] as const) {
        if (b.kind === 'value') {
          bounds.push(`${value} ${op} ${param}`);
          params.push(b.text);
        } else if (b.kind === 'null') {
          return { kind: 'unknown', why: `bound of ${p.name} not understood` };
        }
      }
      accepts.push(bounds.length ? `(${bounds.join(' AND ')})` : '1 = 1');
    } else if (key.strategy === 'LIST' && list) {
      const values = literals(list[1]!);
      if (!values) return { kind: 'unknown', why: `bound of ${p.name} not understood` };
      const kept = values.filter((v): v is Extract<Literal, { kind: 'value' }> => v.kind === 'value');
      nullAccepted ||= values.some((v) => v.kind === 'null');
      if (kept.length) {
        accepts.push(`${value} IN (${kept.map(() => param).join(', ')})`);
        params.push(...kept.map((v) => v.text));
      }
    } else {
      return { kind: 'unknown', why: `bound of ${p.name} not understood` };
    }
  }
  const some = accepts.length ? accepts.join(' OR ') : '1 = 0';
  const condition = nullAccepted ? `(NOT ${isNull} AND NOT (${some}))` : `(${isNull} OR NOT (${some}))`;
  return { kind: 'counted', rule: noPartition(table, tgt, condition, params, pair.source) };
}

function noPartition(
  table: PlannedTable,
  tgt: TargetTable,
  condition: string,
  params: string[],
  column?: string,
): ScanRule {
  const key = column ?? '(key)';
  return {
    code: 'no-partition',
    severity: 'error',
    column: key,
    condition,
    params,
    value: column ? `CAST(c.${quoteMysqlIdent(column)} AS CHAR)` : `'-'`,
    message: (n) =>
      `${n} row(s) of ${table.source} have no partition of ${tgt.name} (${tgt.partitionKey ?? 'partitioned'}) for their ${key}: PostgreSQL refuses them and the load fails`,
    fix: () =>
      `CREATE TABLE ${quotePgQualified(tgt.schema, `${tgt.name}_default`)} PARTITION OF ${quotePgQualified(tgt.schema, tgt.name)} DEFAULT; -- or a partition for their key`,
  };
}
