import {
  ConvError,
  ExitCode,
  type SourceCatalog,
  SourceCatalogSchema,
  type SourceColumn,
  type SourceTable,
} from '@conv/core';
import type mysql from 'mysql2/promise';
import { type MysqlSource, mysqlRows, num, str, withMysql } from './connect.js';
import { jsonValidColumns, normaliseColumnType, parseEnumLabels } from './mysql-types.js';

type Row = Record<string, unknown>;

/**
 * Reads the catalog of one MySQL 8 or MariaDB 10.11+ database from information_schema.
 * `database` defaults to the connection's current database.
 */
export async function introspectMysql(conn: MysqlSource, database?: string): Promise<SourceCatalog> {
  return withMysql(conn, (c) => readCatalog(c, database));
}

async function readCatalog(conn: mysql.Connection, database?: string): Promise<SourceCatalog> {
  const [meta] = await mysqlRows<Row>(conn, 'SELECT VERSION() AS version, DATABASE() AS db');
  const version = str(meta?.['version']) ?? '';
  const dialect = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const db = database ?? str(meta?.['db']);
  if (!db) {
    throw new ConvError('introspectMysql: no database given and the connection has none selected', {
      code: 'source.no-database',
      exit: ExitCode.usage,
      hint: 'put the database in the URL (mysql://user@host:3306/<database>) or pass it as the second argument',
    });
  }
  const [schema] = await mysqlRows<Row>(
    conn,
    'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [db],
  );
  if (!schema) {
    throw new ConvError(`MySQL database ${db} does not exist`, {
      code: 'source.unknown-database',
      exit: ExitCode.usage,
      hint: 'check the database name',
    });
  }

  // Every column is aliased: MySQL 8 returns information_schema column names in upper case, MariaDB as written.
  // MariaDB system-versioned tables are tables too (their current rows are exported; the explicit
  // ROW START/END columns are generated and left out).
  const tables = await mysqlRows<Row>(
    conn,
    `SELECT TABLE_NAME AS name, TABLE_ROWS AS approxRows, DATA_LENGTH AS dataBytes, INDEX_LENGTH AS indexBytes
       FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
      ORDER BY TABLE_NAME`,
    [db],
  );
  const columns = await mysqlRows<Row>(
    conn,
    `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name, ORDINAL_POSITION AS ordinal, DATA_TYPE AS dataType,
            COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra,
            GENERATION_EXPRESSION AS generationExpression, CHARACTER_MAXIMUM_LENGTH AS charMaxLength,
            NUMERIC_PRECISION AS numericPrecision, NUMERIC_SCALE AS numericScale,
            DATETIME_PRECISION AS datetimePrecision, CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ?
      ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [db],
  );
  const indexes = await mysqlRows<Row>(
    conn,
    `SELECT TABLE_NAME AS tableName, INDEX_NAME AS indexName, NON_UNIQUE AS nonUnique,
            SEQ_IN_INDEX AS seq, COLUMN_NAME AS columnName
       FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ?
      ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [db],
  );
  const fks = await mysqlRows<Row>(
    conn,
    `SELECT k.TABLE_NAME AS tableName, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS columnName,
            k.REFERENCED_TABLE_NAME AS refTable, k.REFERENCED_COLUMN_NAME AS refColumn,
            r.UPDATE_RULE AS onUpdate, r.DELETE_RULE AS onDelete
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
        AND r.TABLE_NAME = k.TABLE_NAME
      WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [db],
  );
  const jsonColumns =
    dialect === 'mariadb' ? await mariadbJsonColumns(conn, db) : await mysqlJsonColumns(conn, db);

  const byTable = new Map<string, SourceTable>();
  for (const t of tables) {
    const name = str(t['name'])!;
    byTable.set(name, {
      name,
      columns: [],
      primaryKey: [],
      uniqueKeys: [],
      foreignKeys: [],
      approxRows: Math.max(0, num(t['approxRows']) ?? 0),
      dataBytes: Math.max(0, num(t['dataBytes']) ?? 0),
      indexBytes: Math.max(0, num(t['indexBytes']) ?? 0),
    });
  }
  for (const c of columns) {
    const table = byTable.get(str(c['tableName'])!);
    if (table) table.columns.push(toColumn(c, dialect, jsonColumns.has(`${table.name}\0${str(c['name'])}`)));
  }
  addKeys(byTable, indexes);
  addForeignKeys(byTable, fks);

  return SourceCatalogSchema.parse({ dialect, version, database: db, tables: [...byTable.values()] });
}

function toColumn(c: Row, dialect: 'mysql' | 'mariadb', jsonChecked: boolean): SourceColumn {
  const dataType = str(c['dataType'])!.toLowerCase();
  const columnType = normaliseColumnType(str(c['columnType'])!, dataType);
  const extra = (str(c['extra']) ?? '').toLowerCase();
  // `DEFAULT_GENERATED` (MySQL 8: an expression default) is not a generated column.
  const generated = /\b(virtual|stored|persistent) generated\b/.test(extra);
  let dflt = str(c['dflt']);
  // MariaDB prints the keyword NULL for "no default / DEFAULT NULL"; a string 'NULL' would be quoted.
  if (dialect === 'mariadb' && dflt === 'NULL') dflt = null;
  return {
    name: str(c['name'])!,
    ordinal: num(c['ordinal'])!,
    dataType,
    columnType,
    nullable: str(c['nullable']) === 'YES',
    default: dflt,
    generated,
    generationExpression: generated ? str(c['generationExpression']) : null,
    autoIncrement: extra.includes('auto_increment'),
    unsigned: /\bunsigned\b/.test(columnType),
    charMaxLength: num(c['charMaxLength']),
    numericPrecision: num(c['numericPrecision']),
    numericScale: num(c['numericScale']),
    datetimePrecision: num(c['datetimePrecision']),
    charset: str(c['charset']),
    collation: str(c['collation']),
    enumValues: dataType === 'enum' || dataType === 'set' ? parseEnumLabels(columnType) : null,
    isJson: dataType === 'json' || (jsonChecked && /text$/.test(dataType)),
  };
}

/**
 * MariaDB's JSON is an alias of LONGTEXT plus a `json_valid(col)` CHECK: information_schema.CHECK_CONSTRAINTS
 * (MariaDB has TABLE_NAME there; MySQL 8 does not, and MySQL 8 has a real JSON type so needs no lookup).
 */
async function mariadbJsonColumns(conn: mysql.Connection, db: string): Promise<Set<string>> {
  const rows = await mysqlRows<Row>(
    conn,
    `SELECT TABLE_NAME AS tableName, CHECK_CLAUSE AS clause
       FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`,
    [db],
  );
  const out = new Set<string>();
  for (const r of rows) {
    for (const col of jsonValidColumns(str(r['clause']) ?? '')) out.add(`${str(r['tableName'])}\0${col}`);
  }
  return out;
}

/**
 * MySQL 8 has a real JSON type, but a database moved over from MariaDB keeps `longtext` + `json_valid()`
 * CHECKs. MySQL 8.0.16+ names checks uniquely per schema; the table comes from TABLE_CONSTRAINTS.
 * (Written for MySQL 8; not run here: only MariaDB is installed on the development machine.)
 */
async function mysqlJsonColumns(conn: mysql.Connection, db: string): Promise<Set<string>> {
  let rows: Row[];
  try {
    rows = await mysqlRows<Row>(
      conn,
      `SELECT tc.TABLE_NAME AS tableName, cc.CHECK_CLAUSE AS clause
         FROM information_schema.TABLE_CONSTRAINTS tc
         JOIN information_schema.CHECK_CONSTRAINTS cc
           ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
        WHERE tc.TABLE_SCHEMA = ? AND tc.CONSTRAINT_TYPE = 'CHECK'`,
      [db],
    );
  } catch {
    return new Set(); // MySQL before 8.0.16 has no CHECK_CONSTRAINTS (and enforces no checks)
  }
  const out = new Set<string>();
  for (const r of rows) {
    for (const col of jsonValidColumns(str(r['clause']) ?? '')) out.add(`${str(r['tableName'])}\0${col}`);
  }
  return out;
}

function addKeys(byTable: Map<string, SourceTable>, rows: Row[]): void {
  const groups = new Map<
    string,
    { table: string; name: string; unique: boolean; columns: (string | null)[] }
  >();
  for (const r of rows) {
    const table = str(r['tableName'])!;
    const name = str(r['indexName'])!;
    const key = `${table}\0${name}`;
    let g = groups.get(key);
    if (!g) {
      g = { table, name, unique: Number(r['nonUnique']) === 0, columns: [] };
      groups.set(key, g);
    }
    g.columns.push(str(r['columnName']));
  }
  for (const g of groups.values()) {
    const table = byTable.get(g.table);
    // Functional key parts (MySQL 8) have no column: such a key cannot name rows.
    if (!table || !g.unique || g.columns.some((c) => c === null)) continue;
    const columns = g.columns as string[];
    if (g.name === 'PRIMARY') table.primaryKey = columns;
    else table.uniqueKeys.push({ name: g.name, columns });
  }
}

function addForeignKeys(byTable: Map<string, SourceTable>, rows: Row[]): void {
  for (const r of rows) {
    const table = byTable.get(str(r['tableName'])!);
    if (!table) continue;
    const name = str(r['name'])!;
    let fk = table.foreignKeys.find((f) => f.name === name);
    if (!fk) {
      fk = {
        name,
        columns: [],
        refTable: str(r['refTable'])!,
        refColumns: [],
        onDelete: str(r['onDelete']) ?? 'RESTRICT',
        onUpdate: str(r['onUpdate']) ?? 'RESTRICT',
      };
      table.foreignKeys.push(fk);
    }
    fk.columns.push(str(r['columnName'])!);
    fk.refColumns.push(str(r['refColumn'])!);
  }
}
