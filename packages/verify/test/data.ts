import type { MigrationPlan } from '@conv/core';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import type { TestMysqlDb, TestPgDb } from '@conv/testkit';

/**
 * The same rows created by hand on both sides, as an exact export + import would leave them: every
 * canonical form is exercised (uuid case and '' → NULL, booleans, datetime(6)/timestamptz, blobs,
 * decimals, doubles, json → jsonb with reordered keys, NULL next to '').
 */
export const ITEM_IDS = [
  '0f0e0d0c-0b0a-4909-8807-060504030201',
  '11111111-2222-4333-8444-555555555555',
  'a0a0a0a0-b1b1-4c2c-9d3d-e4e4e4e4e4e4',
  'ffffffff-ffff-4fff-bfff-ffffffffffff',
];

const MYSQL_SCHEMA = `
CREATE TABLE item (
  id char(36) NOT NULL PRIMARY KEY,
  name varchar(100) NULL,
  note text NULL,
  created datetime(6) NOT NULL,
  updated timestamp(6) NULL DEFAULT NULL,
  flag tinyint(1) NOT NULL,
  data blob NULL,
  price decimal(10,2) NULL,
  ref char(36) NULL,
  settings longtext NULL CHECK (json_valid(settings)),
  day date NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE counter (
  id int NOT NULL PRIMARY KEY,
  label varchar(50) NOT NULL,
  t time(6) NULL,
  amount double NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE link (
  a int NOT NULL,
  b varchar(20) NOT NULL,
  v text NULL,
  PRIMARY KEY (a, b)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
`;

const PG_SCHEMA = `
CREATE TABLE item (
  id uuid PRIMARY KEY,
  name varchar(100),
  note text,
  created timestamp(6) NOT NULL,
  updated timestamptz(6),
  flag boolean NOT NULL,
  data bytea,
  price numeric(10,2),
  ref uuid,
  settings jsonb,
  day date
);
CREATE TABLE counter (id integer PRIMARY KEY, label varchar(50) NOT NULL, t time(6), amount double precision);
CREATE TABLE link (a integer NOT NULL, b varchar(20) NOT NULL, v text, PRIMARY KEY (a, b));
`;

interface Item {
  id: string;
  mysqlId: string;
  name: string | null;
  note: string | null;
  created: string;
  updated: string | null;
  flag: 0 | 1;
  data: Buffer | null;
  price: string | null;
  mysqlRef: string | null;
  pgRef: string | null;
  mysqlSettings: string | null;
  pgSettings: string | null;
  day: string | null;
}

export const ITEMS: Item[] = [
  {
    id: ITEM_IDS[0]!,
    mysqlId: ITEM_IDS[0]!,
    name: 'plain',
    note: 'line one\nline two, "quoted"; tab\there — été 😀',
    created: '2024-01-02 03:04:05.123456',
    updated: '2024-01-02 03:04:05.000001',
    flag: 1,
    data: Buffer.from([0, 1, 2, 254, 255]),
    price: '12.50',
    mysqlRef: '',
    pgRef: null,
    mysqlSettings: '{"zeta": 1, "alpha": {"b": [1, 2.50, "x"], "a": null}, "dup": 1, "dup": 2}',
    pgSettings: '{"zeta": 1, "alpha": {"b": [1, 2.50, "x"], "a": null}, "dup": 1, "dup": 2}',
    day: '2024-02-29',
  },
  {
    // Upper-case UUID in MySQL: PostgreSQL prints it lower-case.
    id: ITEM_IDS[1]!,
    mysqlId: ITEM_IDS[1]!.toUpperCase(),
    name: '',
    note: null,
    created: '1999-12-31 23:59:59.000000',
    updated: null,
    flag: 0,
    data: Buffer.alloc(0),
    price: null,
    mysqlRef: ITEM_IDS[0]!.toUpperCase(),
    pgRef: ITEM_IDS[0]!,
    mysqlSettings: null,
    pgSettings: null,
    day: null,
  },
  {
    id: ITEM_IDS[2]!,
    mysqlId: ITEM_IDS[2]!,
    name: null,
    note: '',
    created: '2038-01-19 03:14:08.999999',
    updated: '1970-01-01 00:00:01.5',
    flag: 1,
    data: null,
    price: '-0.01',
    mysqlRef: null,
    pgRef: null,
    mysqlSettings: '[]',
    pgSettings: '[]',
    day: '0001-01-01',
  },
  {
    id: ITEM_IDS[3]!,
    mysqlId: ITEM_IDS[3]!,
    name: 'back\\slash \\N',
    note: 'x'.repeat(5000),
    created: '2024-06-30 12:00:00.000000',
    updated: '2024-06-30 12:00:00.000000',
    flag: 0,
    data: Buffer.from('binary\x00zero', 'latin1'),
    price: '99999999.99',
    mysqlRef: ITEM_IDS[2]!,
    pgRef: ITEM_IDS[2]!,
    mysqlSettings: '{"n": 1e2, "s": "\\u00e9\\n"}',
    pgSettings: '{"n": 1e2, "s": "\\u00e9\\n"}',
    day: '2024-12-31',
  },
];

export const COUNTER_ROWS = 2500;
const AMOUNTS = [0.1, 1e20, -2.5e-7, Math.PI, 123456.789, 0, null, 1 / 3, 5e-324, 1.7976931348623157e308];

export function counterRow(id: number) {
  const seconds = id % 86400;
  const t =
    id % 7 === 0
      ? null
      : `${String(Math.floor(seconds / 3600)).padStart(2, '0')}:${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}.${String(id).padStart(6, '0')}`;
  return { id, label: `label ${id}`, t, amount: AMOUNTS[id % AMOUNTS.length] ?? null };
}

export const LINKS = Array.from({ length: 300 }, (_, i) => ({
  a: i % 17,
  b: `key-${i}-${'é'.repeat(i % 3)}`,
  v: i % 5 === 0 ? null : i % 5 === 1 ? '' : `value ${i}`,
}));

async function insertChunked(run: (rows: unknown[][]) => Promise<unknown>, rows: unknown[][]) {
  for (let i = 0; i < rows.length; i += 500) await run(rows.slice(i, i + 500));
}

/** Creates the tables and the same rows on both sides; returns the plan. */
export async function createBothSides(my: TestMysqlDb, pg: TestPgDb): Promise<MigrationPlan> {
  await my.query(MYSQL_SCHEMA);
  await pg.query(PG_SCHEMA);
  for (const it of ITEMS) {
    await my.query('INSERT INTO item VALUES (?,?,?,?,?,?,?,?,?,?,?)', [
      it.mysqlId,
      it.name,
      it.note,
      it.created,
      it.updated,
      it.flag,
      it.data,
      it.price,
      it.mysqlRef,
      it.mysqlSettings,
      it.day,
    ]);
    await pg.query('INSERT INTO item VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)', [
      it.id,
      it.name,
      it.note,
      it.created,
      it.updated === null ? null : `${it.updated}+00`,
      it.flag === 1,
      it.data,
      it.price,
      it.pgRef,
      it.pgSettings,
      it.day,
    ]);
  }
  const counters = Array.from({ length: COUNTER_ROWS }, (_, i) => counterRow(i + 1));
  await insertChunked(
    (rows) => my.query('INSERT INTO counter VALUES ?', [rows]),
    counters.map((c) => [c.id, c.label, c.t, c.amount]),
  );
  await insertChunked(
    (rows) =>
      pg.query(
        'INSERT INTO counter SELECT * FROM unnest($1::int[], $2::text[], $3::time[], $4::float8[])',
        [0, 1, 2, 3].map((k) => rows.map((r) => (k === 3 && r[3] !== null ? String(r[3]) : r[k]))),
      ),
    counters.map((c) => [c.id, c.label, c.t, c.amount]),
  );
  await my.query('INSERT INTO link VALUES ?', [LINKS.map((l) => [l.a, l.b, l.v])]);
  await pg.query('INSERT INTO link SELECT * FROM unnest($1::int[], $2::text[], $3::text[])', [
    LINKS.map((l) => l.a),
    LINKS.map((l) => l.b),
    LINKS.map((l) => l.v),
  ]);
  const [source, target] = await Promise.all([introspectMysql(my.conn), introspectPg(pg.client)]);
  return planMigration(source, target);
}
