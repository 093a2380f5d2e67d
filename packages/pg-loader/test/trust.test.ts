// Issue 16 items 2, 3 and 5: what the loader does to the target beyond the planned rows — sequences that
// defaults call, inheritance children, and rows already there.
import { ConvError, ExitCode } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { removeDir, writeExport } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
const exportOf = (specs: Parameters<typeof writeExport>[0]) => {
  const dir = writeExport(specs);
  dirs.push(dir);
  return dir;
};

describe('sequences a default calls (item 2)', () => {
  const db = usePgDatabase(async (d) => {
    await d.query(`
      CREATE SEQUENCE free_id_seq;                       -- not OWNED BY anything
      CREATE SEQUENCE shared_seq START 5;
      CREATE TABLE hand (id integer PRIMARY KEY DEFAULT nextval('free_id_seq'), name text);
      CREATE TABLE other (id bigint PRIMARY KEY DEFAULT nextval('public.shared_seq'::regclass), code text DEFAULT 'x');
      CREATE TABLE owned (id serial PRIMARY KEY, name text);
    `);
  });

  it('resets owned and free-standing sequences alike, and reports each one', async () => {
    const dir = exportOf([
      {
        table: 'hand',
        columns: ['id', 'name'],
        rows: [
          ['1', 'a'],
          ['41', 'b'],
        ],
      },
      { table: 'other', columns: ['id', 'code'], rows: [['7', 'q']] },
      { table: 'owned', columns: ['id', 'name'], rows: [['3', 'c']] },
    ]);
    const result = await importDirectory({ pgUrl: db.url, dir });
    expect(result.sequences).toEqual(
      expect.arrayContaining([
        { sequence: 'public.free_id_seq', value: '42' },
        { sequence: 'public.shared_seq', value: '8' },
        { sequence: 'public.owned_id_seq', value: '4' },
      ]),
    );
    expect(result.sequences).toHaveLength(3);
    // The application's first INSERT gets a free key.
    const [row] = await db.query<{ id: number }>("INSERT INTO hand (name) VALUES ('app') RETURNING id");
    expect(row?.id).toBe(42);
  });
});

describe('a sequence two loaded tables share', () => {
  const db = usePgDatabase(async (d) => {
    await d.query(`
      CREATE SEQUENCE ids_seq;
      CREATE TABLE first_t (id bigint PRIMARY KEY DEFAULT nextval('ids_seq'), name text);
      CREATE TABLE second_t (id bigint PRIMARY KEY DEFAULT nextval('ids_seq'), name text);
    `);
  });

  it('restarts once, above the largest value of every column that uses it', async () => {
    // second_t (largest id) comes first in load order here: a per-column reset would end on first_t's 11.
    const dir = exportOf([
      { table: 'second_t', columns: ['id', 'name'], rows: [['500', 'b']] },
      { table: 'first_t', columns: ['id', 'name'], rows: [['10', 'a']] },
    ]);
    const result = await importDirectory({ pgUrl: db.url, dir });
    expect(result.sequences).toEqual([{ sequence: 'public.ids_seq', value: '501' }]);
    const [a] = await db.query<{ id: string }>("INSERT INTO first_t (name) VALUES ('app') RETURNING id");
    const [b] = await db.query<{ id: string }>("INSERT INTO second_t (name) VALUES ('app') RETURNING id");
    expect([a?.id, b?.id]).toEqual(['501', '502']);
  });
});

describe('inheritance children and partitions (item 3)', () => {
  const db = usePgDatabase(async (d) => {
    await d.query(`
      CREATE TABLE payment (id int, amount text);
      CREATE TABLE payment_2007_01 () INHERITS (payment);
      INSERT INTO payment_2007_01 VALUES (100, 'child row, not in the plan');
      CREATE TABLE measure (id int, v text) PARTITION BY RANGE (id);
      CREATE TABLE measure_low PARTITION OF measure FOR VALUES FROM (0) TO (10);
      CREATE TABLE measure_high PARTITION OF measure FOR VALUES FROM (10) TO (100);
    `);
  });

  it('truncates only the planned table, keeps the children rows, still loads partitioned tables', async () => {
    const dir = exportOf([
      { table: 'payment', columns: ['id', 'amount'], rows: [['1', 'x']] },
      {
        table: 'measure',
        columns: ['id', 'v'],
        rows: [
          ['1', 'low'],
          ['50', 'high'],
        ],
      },
    ]);
    await importDirectory({ pgUrl: db.url, dir });
    const child = await db.query<{ id: number }>('SELECT id FROM payment_2007_01');
    expect(child.map((r) => r.id)).toEqual([100]);
    const own = await db.query<{ id: number }>('SELECT id FROM ONLY payment');
    expect(own.map((r) => r.id)).toEqual([1]);
    const parts = await db.query<{ t: string; n: string }>(
      'SELECT tableoid::regclass::text AS t, count(*)::text AS n FROM measure GROUP BY 1 ORDER BY 1',
    );
    expect(parts).toEqual([
      { t: 'measure_high', n: '1' },
      { t: 'measure_low', n: '1' },
    ]);
    // Loading again over the partitioned table replaces its rows (TRUNCATE without ONLY there).
    await importDirectory({ pgUrl: db.url, dir, replace: true });
    const [again] = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM measure');
    expect(again?.n).toBe('2');
  });
});

describe('a target that already holds rows (item 5)', () => {
  const db = usePgDatabase(async (d) => {
    await d.query(`
      CREATE TABLE live (id int PRIMARY KEY, name text);
      CREATE TABLE empty_too (id int PRIMARY KEY);
      INSERT INTO live SELECT g, 'app row ' || g FROM generate_series(1, 3) g;
    `);
  });
  const specs = [
    { table: 'live', columns: ['id', 'name'], rows: [['1', 'from mysql']] },
    { table: 'empty_too', columns: ['id'], rows: [['1']] },
  ];

  it('refuses without replace, naming the tables and their rows; nothing is written', async () => {
    const dir = exportOf(specs);
    const err = await importDirectory({ pgUrl: db.url, dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.code).toBe('target.not-empty');
    expect(e.exitCode).toBe(ExitCode.checkFailed);
    expect(e.message).toContain('live (3 rows)');
    expect(e.hint).toContain('--replace');
    const [n] = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM live');
    expect(n?.n).toBe('3');
  });

  it('with replace: loads and reports how many rows were replaced, per table', async () => {
    const dir = exportOf(specs);
    const result = await importDirectory({ pgUrl: db.url, dir, replace: true });
    expect(result.replaced).toEqual([{ table: 'live', rows: 3 }]);
    const rows = await db.query<{ name: string }>('SELECT name FROM live');
    expect(rows.map((r) => r.name)).toEqual(['from mysql']);
  });
});

describe('user triggers of the loaded tables (item 4)', () => {
  const db = usePgDatabase(async (d) => {
    await d.query(`
      CREATE TABLE doc (id int PRIMARY KEY, body text, search tsvector NOT NULL);
      CREATE FUNCTION doc_search() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN NEW.search := to_tsvector('simple', coalesce(NEW.body, '')); RETURN NEW; END $$;
      CREATE TRIGGER doc_search BEFORE INSERT OR UPDATE ON doc FOR EACH ROW EXECUTE FUNCTION doc_search();
      CREATE TABLE person (id int PRIMARY KEY, name text);
      CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$;
      CREATE TRIGGER person_shout BEFORE INSERT ON person FOR EACH ROW EXECUTE FUNCTION shout();
    `);
  });
  const specs = [
    { table: 'doc', columns: ['id', 'body'], rows: [['1', 'hello world']] },
    { table: 'person', columns: ['id', 'name'], rows: [['1', 'Ada']] },
  ];

  it('auto: fires where the target has columns the load leaves out, skips where MySQL gives every column', async () => {
    const result = await importDirectory({ pgUrl: db.url, dir: exportOf(specs), replace: true });
    expect(result.strategy).toBe('replica');
    expect(result.triggers).toEqual([
      { table: 'doc', trigger: 'doc_search', action: 'fired' },
      { table: 'person', trigger: 'person_shout', action: 'skipped' },
    ]);
    const [doc] = await db.query<{ search: string }>('SELECT search::text AS search FROM doc');
    expect(doc?.search).toBe("'hello':1 'world':2");
    const [person] = await db.query<{ name: string }>('SELECT name FROM person');
    expect(person?.name).toBe('Ada');
    // The triggers are back as they were.
    const modes = await db.query<{ tgname: string; tgenabled: string }>(
      'SELECT tgname, tgenabled::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname',
    );
    expect(modes.map((m) => m.tgenabled)).toEqual(['O', 'O']);
  });

  it('fire and skip do what they say, under every FK strategy', async () => {
    for (const fkStrategy of ['replica', 'drop-recreate', 'ordered'] as const) {
      const fired = await importDirectory({
        pgUrl: db.url,
        dir: exportOf(specs),
        replace: true,
        triggers: 'fire',
        fkStrategy,
      });
      expect(fired.triggers.map((t) => t.action)).toEqual(['fired', 'fired']);
      expect((await db.query<{ name: string }>('SELECT name FROM person'))[0]?.name).toBe('ADA');
      const skipped = importDirectory({
        pgUrl: db.url,
        dir: exportOf(specs),
        replace: true,
        triggers: 'skip',
        fkStrategy,
      });
      // skip leaves doc.search empty: the NOT NULL column refuses the row.
      await expect(skipped).rejects.toThrow(/search/);
    }
  });
});
