// Builds the synthetic source database, shaped like Alkemio: one dominant table of ~3 KB JSON-ish text
// rows, a narrow table of millions of rows, and a table of every tricky type. Generated server-side with
// INSERT … SELECT over a sequence table (no row-by-row inserts): ~1 GB takes well under a minute.

import { quotePgIdent } from '@conv/core';
import type mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlAdmin, recreateMysqlDatabase, withDb } from './mysql-admin.js';

export interface Shape {
  documents: number;
  events: number;
  tricky: number;
}

/** Row counts for a size in MB: ~60% documents (3 KB rows), ~30% events (~90 B), ~10% tricky (~1 KB). */
export function shapeFor(sizeMb: number, only?: keyof Shape): Shape {
  const mb = 1024 * 1024;
  const shape = {
    documents: Math.max(10, Math.round((sizeMb * 0.6 * mb) / 3200)),
    events: Math.max(10, Math.round((sizeMb * 0.3 * mb) / 95)),
    tricky: Math.max(10, Math.round((sizeMb * 0.1 * mb) / 1100)),
  };
  if (only) for (const k of Object.keys(shape) as (keyof Shape)[]) if (k !== only) shape[k] = 0;
  return shape;
}

const UUID_OF = (n: string) =>
  `CONCAT(LEFT(MD5(${n}),8),'-',SUBSTR(MD5(${n}),9,4),'-4',SUBSTR(MD5(${n}),14,3),'-8',SUBSTR(MD5(${n}),18,3),'-',SUBSTR(MD5(${n}),21,12))`;

const MYSQL_SCHEMA = `
CREATE TABLE documents (
  id char(36) NOT NULL PRIMARY KEY,
  createdDate datetime(6) NOT NULL,
  updatedDate datetime(6) NOT NULL,
  version int NOT NULL,
  title varchar(255) NOT NULL,
  body longtext NOT NULL,
  settings longtext COLLATE utf8mb4_bin NULL CHECK (json_valid(settings))
);
CREATE TABLE events (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  entityId char(36) NOT NULL,
  createdDate datetime(6) NOT NULL,
  type varchar(32) NOT NULL,
  count int NULL
);
CREATE TABLE tricky (
  id int NOT NULL PRIMARY KEY,
  blb blob NULL,
  txt text NULL,
  dec20 decimal(20,6) NULL,
  dbl double NULL,
  flt float NULL,
  bu bigint unsigned NULL,
  flag tinyint(1) NULL,
  dt datetime(6) NULL,
  tm time(6) NULL,
  yr year NULL,
  kind enum('alpha','beta','gamma') NULL,
  tags set('x','y','z') NULL,
  bin16 binary(16) NULL,
  doc longtext COLLATE utf8mb4_bin NULL CHECK (json_valid(doc))
);`;

export const PG_SCHEMA = `
CREATE TYPE tricky_kind AS ENUM ('alpha', 'beta', 'gamma');
CREATE TABLE documents (
  id uuid NOT NULL,
  "createdDate" timestamp(6) NOT NULL DEFAULT now(),
  "updatedDate" timestamp(6) NOT NULL DEFAULT now(),
  version integer NOT NULL,
  title varchar(255) NOT NULL,
  body text NOT NULL,
  settings jsonb,
  CONSTRAINT "PK_documents" PRIMARY KEY (id)
);
CREATE INDEX "IDX_documents_createdDate" ON documents ("createdDate");
CREATE UNIQUE INDEX "IDX_documents_title" ON documents (title);
CREATE TABLE events (
  id bigserial NOT NULL,
  "entityId" uuid NOT NULL,
  "createdDate" timestamp(6) NOT NULL,
  type varchar(32) NOT NULL,
  count integer,
  CONSTRAINT "PK_events" PRIMARY KEY (id),
  CONSTRAINT "FK_events_entity" FOREIGN KEY ("entityId") REFERENCES documents (id) ON DELETE CASCADE
);
CREATE INDEX "IDX_events_entityId" ON events ("entityId");
CREATE INDEX "IDX_events_createdDate" ON events ("createdDate");
CREATE TABLE tricky (
  id integer NOT NULL PRIMARY KEY,
  blb bytea,
  txt text,
  dec20 numeric(20,6),
  dbl double precision,
  flt real,
  bu numeric(20,0),
  flag boolean,
  dt timestamp(6),
  tm time(6),
  yr integer,
  kind tricky_kind,
  tags text[],
  bin16 bytea,
  doc json
);`;

async function fillSequence(conn: mysql.Connection, max: number): Promise<void> {
  await conn.query(
    'CREATE TABLE _digits (d int PRIMARY KEY); INSERT INTO _digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)',
  );
  await conn.query('CREATE TABLE _seq (n int PRIMARY KEY)');
  const levels = Math.max(1, Math.ceil(Math.log10(max + 1)));
  const from = Array.from({ length: levels }, (_, i) => `_digits d${i}`).join(', ');
  const expr = Array.from({ length: levels }, (_, i) => `d${i}.d * ${10 ** i}`).join(' + ');
  await conn.query(`INSERT INTO _seq SELECT ${expr} + 1 AS n FROM ${from} HAVING n <= ?`, [max]);
}

/** Creates (or re-creates) the MySQL source database with `shape` rows. */
export async function generateSource(
  mysqlUrl: string,
  database: string,
  shape: Shape,
  log: (line: string) => void,
): Promise<void> {
  await recreateMysqlDatabase(mysqlUrl, database);
  const conn = await mysqlAdmin(withDb(mysqlUrl, database));
  try {
    await conn.query("SET SESSION sql_mode = '', time_zone = '+00:00'"); // zero dates, as legacy data has
    await conn.query(MYSQL_SCHEMA);
    await fillSequence(conn, Math.max(shape.documents, shape.events, shape.tricky, 1));
    const t0 = Date.now();
    if (shape.documents) {
      await conn.query(
        `INSERT INTO documents
         SELECT ${UUID_OF('n')},
                TIMESTAMP('2020-01-01') + INTERVAL n SECOND + INTERVAL (n % 1000000) MICROSECOND,
                TIMESTAMP('2021-01-01') + INTERVAL n MINUTE,
                n % 7, CONCAT('Document ', n, ' ', MD5(n)),
                CONCAT('{"id":', n, ',"blocks":[', REPEAT(CONCAT('{"k":"', MD5(n), '","text":"He said \\\\"hi\\\\"\\\\nthen, left \\\\\\\\ ok"},'), 36), '{}],"end":"', SHA2(n, 256), '"}'),
                IF(n % 3 = 0, NULL, CONCAT('{"notify":', IF(n % 2, 'true', 'false'), ',"n":', n, '}'))
           FROM _seq WHERE n <= ?`,
        [shape.documents],
      );
    }
    if (shape.events) {
      const docs = Math.max(shape.documents, 1);
      await conn.query(
        `INSERT INTO events (entityId, createdDate, type, count)
         SELECT ${UUID_OF(`((n % ${docs}) + 1)`)}, TIMESTAMP('2022-01-01') + INTERVAL n SECOND,
                ELT(1 + n % 4, 'created', 'updated', 'commented', 'deleted'), IF(n % 5 = 0, NULL, n % 1000)
           FROM _seq WHERE n <= ?`,
        [shape.events],
      );
    }
    if (shape.tricky) {
      await conn.query(
        `INSERT INTO tricky
         SELECT n, UNHEX(REPEAT(MD5(n), 16)),
                CONCAT('line ', n, '\\n"quoted", back\\\\slash \\\\N NULL 😀 ', REPEAT(MD5(n), 20)),
                (n * 1.000123) - 50000, n / 7, n / 3, 18446744073709551615 - n, n % 2,
                IF(n % 50 = 0, '0000-00-00 00:00:00', TIMESTAMP('2019-06-01') + INTERVAL n SECOND + INTERVAL n MICROSECOND),
                SEC_TO_TIME(n % 86400), 1901 + n % 255, ELT(1 + n % 3, 'alpha', 'beta', 'gamma'),
                ELT(1 + n % 4, '', 'x', 'x,y', 'x,y,z'), UNHEX(MD5(n)),
                CONCAT('{"n":', n, ',"s":"tab\\\\there \\\\"q\\\\"","a":[1,2,3]}')
           FROM _seq WHERE n <= ?`,
        [shape.tricky],
      );
    }
    // The indexes an ORM (TypeORM) creates on both sides (foreign-key columns, dates, unique titles),
    // built after the data: a sorted index build is much faster than maintaining them row by row.
    await conn.query(
      'ALTER TABLE documents ADD UNIQUE KEY IDX_documents_title (title), ADD KEY IDX_documents_createdDate (createdDate)',
    );
    await conn.query(
      'ALTER TABLE events ADD KEY IDX_events_entityId (entityId), ADD KEY IDX_events_createdDate (createdDate)',
    );
    await conn.query('DROP TABLE _seq, _digits');
    await conn.query('ANALYZE TABLE documents, events, tricky');
    log(`generated ${database}: ${JSON.stringify(shape)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await conn.end();
  }
}

/** Data + index size of the source database in bytes (information_schema, approximate). */
export async function sourceBytes(mysqlUrl: string, database: string): Promise<number> {
  const conn = await mysqlAdmin(mysqlUrl);
  try {
    const [rows] = await conn.query(
      'SELECT SUM(DATA_LENGTH) AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    return Number((rows as { b: string }[])[0]?.b ?? 0);
  } finally {
    await conn.end();
  }
}

/** Creates the PostgreSQL target database with the ORM-like schema (indexes included). */
export async function createTarget(pgUrl: string, database: string): Promise<string> {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quotePgIdent(database)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quotePgIdent(database)} ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const u = new URL(pgUrl);
  u.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await client.query(PG_SCHEMA);
  } finally {
    await client.end();
  }
  return u.toString();
}
