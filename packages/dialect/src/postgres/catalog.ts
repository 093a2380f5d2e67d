import {
  ConvError,
  ExitCode,
  type TargetCatalog,
  TargetCatalogSchema,
  type TargetColumn,
  type TargetTable,
} from '@conv/core';
import type pg from 'pg';
import { COLUMN_SEQUENCES, readForeignKeys, readTables } from './catalog-queries.js';
import { withPg } from './connect.js';

type Row = Record<string, unknown>;

/** A connected pg client (Client or PoolClient) or a `postgres://` URL. */
export type PgSource = pg.ClientBase | string;

/**
 * Reads the catalog of one PostgreSQL (15+) schema from pg_catalog: tables, columns, keys, FKs, triggers.
 * Partitions are listed apart (`partitions`): their rows are their parent's, which is what a source table matches.
 */
export async function introspectPg(client: PgSource, schema = 'public'): Promise<TargetCatalog> {
  return withPg(client, (c) => readCatalog(c, schema), {
    application: 'conv check',
    hint: 'check the URL, the server and the credentials',
  });
}

async function readCatalog(client: pg.ClientBase, schema: string): Promise<TargetCatalog> {
  const q = async (sql: string, params: unknown[] = []) => (await client.query<Row>(sql, params)).rows;
  const [meta] = await q(`SELECT current_setting('server_version') AS version, current_database() AS db`);
  const [ns] = await q('SELECT 1 AS ok FROM pg_namespace WHERE nspname = $1', [schema]);
  if (!ns) {
    throw new ConvError(`PostgreSQL schema ${schema} does not exist in database ${String(meta?.['db'])}`, {
      code: 'target.unknown-schema',
      exit: ExitCode.usage,
      hint: "run the application's migrations first (conv loads into an existing schema), or name the right schema",
    });
  }

  const all = await readTables(client, schema);
  const tables = all.filter((t) => !t.partition);
  // Domains are resolved to their base type (typmod and NOT NULL included); arrays to their element type.
  const columns = await q(
    `SELECT a.attrelid AS oid, a.attname AS name, a.attnum AS ordinal,
            format_type(a.atttypid, a.atttypmod) AS formatted,
            CASE WHEN t.typtype = 'd' THEN t.typname END AS domain,
            b.typname AS resolved, b.typcategory AS category,
            e.typname AS element, e.oid AS element_oid, b.oid AS resolved_oid, b.typtype AS resolved_kind,
            e.typtype AS element_kind,
            CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
            NOT a.attnotnull AND NOT (t.typtype = 'd' AND t.typnotnull) AS nullable,
            pg_get_expr(d.adbin, d.adrelid) AS dflt,
            a.attidentity AS identity, a.attgenerated AS generated,
            (${COLUMN_SEQUENCES})[1] AS seq
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [schema],
  );
  const enums = await q(
    `SELECT enumtypid AS oid, array_agg(enumlabel::text ORDER BY enumsortorder) AS labels
       FROM pg_enum GROUP BY enumtypid`,
  );
  const indexes = await q(
    `SELECT i.indrelid AS oid, ic.relname AS name, i.indisprimary AS primary,
            array_agg(a.attname ORDER BY k.ord) AS columns
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
        AND k.ord <= i.indnkeyatts
      GROUP BY i.indrelid, ic.relname, i.indisprimary
      ORDER BY ic.relname`,
    [schema],
  );
  const fks = (await readForeignKeys(client, schema)).filter((f) => f.schema === schema);
  const triggers = await q(
    `SELECT t.tgrelid AS oid, t.tgname AS name, t.tgenabled <> 'D' AS enabled, t.tgisinternal AS internal
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 ORDER BY t.tgname`,
    [schema],
  );

  const enumLabels = new Map<string, string[]>(enums.map((e) => [String(e['oid']), pgArray(e['labels'])]));
  const byOid = new Map<string, TargetTable>();
  for (const t of tables) {
    byOid.set(String(t.oid), {
      schema,
      name: t.name,
      columns: [],
      primaryKey: [],
      uniqueKeys: [],
      foreignKeys: [],
      triggers: [],
      owner: t.owner,
      approxRows: Math.max(0, Math.round(Number(t.reltuples))),
      partitioned: t.partitioned,
      partitionKey: t.partition_key,
      inherits: t.parent,
    });
  }
  const tablesByName = new Map([...byOid.values()].map((t) => [t.name, t]));
  for (const c of columns) byOid.get(String(c['oid']))?.columns.push(toColumn(c, enumLabels));
  for (const i of indexes) {
    const table = byOid.get(String(i['oid']));
    if (!table) continue;
    const cols = pgArray(i['columns']);
    if (i['primary']) table.primaryKey = cols;
    else table.uniqueKeys.push({ name: String(i['name']), columns: cols });
  }
  for (const f of fks) {
    const table = tablesByName.get(f.table);
    table?.foreignKeys.push({
      name: f.name,
      columns: f.columns,
      refSchema: f.refSchema,
      refTable: f.refTable,
      refColumns: f.refColumns,
      definition: f.definition,
      validated: f.validated,
    });
  }
  for (const t of triggers) {
    byOid.get(String(t['oid']))?.triggers.push({
      name: String(t['name']),
      enabled: Boolean(t['enabled']),
      internal: Boolean(t['internal']),
    });
  }
  return TargetCatalogSchema.parse({
    version: String(meta?.['version'] ?? ''),
    database: String(meta?.['db'] ?? ''),
    schema,
    tables: [...byOid.values()],
    partitions: all.flatMap((t) =>
      t.partition && t.parent
        ? [{ name: t.name, parent: t.parent, bound: t.partition_bound, partitioned: t.partitioned }]
        : [],
    ),
  });
}

/** node-postgres parses text[] but not name[]: accept both. */
function pgArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  const body = value.replace(/^\{|\}$/g, '');
  if (!body) return [];
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  for (const m of body.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

const CATEGORY_BY_NAME: Record<string, TargetColumn['typeCategory']> = {
  uuid: 'uuid',
  json: 'json',
  jsonb: 'json',
  bytea: 'binary',
  bool: 'boolean',
};
const CATEGORY_BY_CODE: Record<string, TargetColumn['typeCategory']> = {
  S: 'string',
  N: 'numeric',
  B: 'boolean',
  D: 'datetime',
  T: 'datetime',
  E: 'enum',
  A: 'array',
};

function toColumn(c: Row, enumLabels: Map<string, string[]>): TargetColumn {
  const isArray = c['category'] === 'A';
  const baseType = String(isArray ? c['element'] : c['resolved']);
  const typeOid = String(isArray ? c['element_oid'] : c['resolved_oid']);
  const kind = isArray ? c['element_kind'] : c['resolved_kind'];
  const typmod = Number(c['typmod']);
  const labels = kind === 'e' ? (enumLabels.get(typeOid) ?? []) : null;
  let category: TargetColumn['typeCategory'] = isArray
    ? 'array'
    : (CATEGORY_BY_NAME[baseType] ?? CATEGORY_BY_CODE[String(c['category'])] ?? 'other');
  if (!isArray && kind === 'e') category = 'enum';
  const identity = c['identity'] === 'a' ? 'always' : c['identity'] === 'd' ? 'by default' : null;
  return {
    name: String(c['name']),
    ordinal: Number(c['ordinal']),
    formattedType: String(c['formatted']),
    baseType,
    typeCategory: category,
    isArray,
    elementType: isArray ? baseType : null,
    domain: c['domain'] ? String(c['domain']) : null,
    enumLabels: labels,
    charMaxLength: ['varchar', 'bpchar'].includes(baseType) && typmod > 4 ? typmod - 4 : null,
    numericPrecision: baseType === 'numeric' && typmod > 4 ? ((typmod - 4) >> 16) & 0xffff : null,
    numericScale: baseType === 'numeric' && typmod > 4 ? (typmod - 4) & 0xffff : null,
    datetimePrecision: /^(timestamp|timestamptz|time|timetz|interval)$/.test(baseType)
      ? typmod >= 0
        ? baseType === 'interval'
          ? typmod & 0xffff
          : typmod
        : 6
      : null,
    nullable: Boolean(c['nullable']),
    default: c['dflt'] === null || c['dflt'] === undefined ? null : String(c['dflt']),
    identity,
    generated: c['generated'] === 's',
    sequence: c['seq'] ? String(c['seq']) : null,
  };
}
