// Issue 16 items 7–10: what `check` promises, `run` keeps; exit codes and messages as documented.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

describe('an empty (unmigrated) PostgreSQL database (item 7)', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE album (id int PRIMARY KEY, title varchar(50));
      CREATE TABLE track (id int PRIMARY KEY, name varchar(50));
      INSERT INTO album VALUES (1, 'a');`);
  });
  const target = usePgDatabase();
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('check exits 3 and says no planned table exists in the target', async () => {
    const res = await cli(['check', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.checkFailed);
    expect(res.stdout).toContain('none of the 2 source tables exists in PostgreSQL');
    expect(res.stdout).toContain('--pg-schema');
  });

  it('run stops at check (exit 3) before exporting anything', async () => {
    const cwd = tempDir();
    const res = await cli(['run', ...urls()], { cwd });
    expect(res.code, res.all).toBe(ExitCode.checkFailed);
    expect(existsSync(join(cwd, 'csv_exports'))).toBe(false);
  });
});

describe('target triggers (item 4)', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE doc (id int PRIMARY KEY, body text);
      INSERT INTO doc VALUES (1, 'hello world'), (2, NULL);`);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(`
      CREATE TABLE doc (id int PRIMARY KEY, body text, search tsvector NOT NULL);
      CREATE FUNCTION doc_search() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN NEW.search := to_tsvector('simple', coalesce(NEW.body, '')); RETURN NEW; END $$;
      CREATE TRIGGER doc_search BEFORE INSERT OR UPDATE ON doc FOR EACH ROW EXECUTE FUNCTION doc_search();`);
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('check lists the trigger and what the load does with it; a column it fills is not an error', async () => {
    const res = await cli(['check', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    expect(res.stdout).toContain('doc has user trigger doc_search: it fires during the load');
    expect(res.stdout).toContain('only trigger doc_search can fill it');
  });

  it('run fires it by default (search filled), and --triggers skip is refused by the NOT NULL column', async () => {
    const res = await cli(['run', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    expect(res.stdout).toContain('trigger doc_search on doc: fired');
    const rows = await target.query<{ search: string }>('SELECT search::text AS search FROM doc ORDER BY id');
    expect(rows.map((r) => r.search)).toEqual(["'hello':1 'world':2", '']);
    const skip = await cli(['run', ...urls(), '--replace', '--triggers', 'skip'], { cwd: tempDir() });
    expect(skip.code, skip.all).toBe(ExitCode.loadFailed);
    expect(skip.stderr).toContain('search');
  });
});

describe('columns with a profile transform (item 8)', () => {
  const VC = '11111111-2222-4333-8444-555555555555';
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE vc (id char(36) PRIMARY KEY, nameID varchar(50) NOT NULL);
      CREATE TABLE interaction (id int PRIMARY KEY, vcId varchar(50) NOT NULL);
      INSERT INTO vc VALUES ('${VC}', 'helper-bot');
      INSERT INTO interaction VALUES (1, 'helper-bot'), (2, '${VC}'), (3, 'ghost-bot');`);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(`
      CREATE TABLE vc (id uuid PRIMARY KEY, "nameID" text NOT NULL);
      CREATE TABLE interaction (id int PRIMARY KEY, "vcId" uuid NOT NULL);`);
  });
  const profile = {
    name: 'conv',
    transforms: {
      'interaction.vcId': { kind: 'lookup' as const, table: 'vc', matchColumn: 'nameID', valueColumn: 'id' },
    },
  };

  it('check scans the transformed value: a nameID that matches nothing is an error naming the row', async () => {
    const res = await cli(['check', '--mysql-url', source.url, '--pg-url', target.url], {
      cwd: tempDir(),
      profile,
    });
    expect(res.code, res.all).toBe(ExitCode.checkFailed);
    expect(res.stdout).toContain('interaction.vcId');
    expect(res.stdout).toContain('ghost-bot');
    expect(res.stdout).toContain('after the profile transform');
  });
});

describe('CamelCase MySQL names against a snake_case PostgreSQL schema (item 9)', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE Album (AlbumId int PRIMARY KEY, Title varchar(50) NOT NULL, ArtistId int NOT NULL);
      CREATE TABLE MediaType (MediaTypeId int PRIMARY KEY, Name varchar(20));
      INSERT INTO Album VALUES (1, 'For Those About To Rock', 1), (2, 'Balls to the Wall', 2);
      INSERT INTO MediaType VALUES (1, 'MPEG audio file');`);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(`
      CREATE TABLE album (album_id int PRIMARY KEY, title text NOT NULL, artist_id int NOT NULL);
      CREATE TABLE media_type (media_type_id int PRIMARY KEY, name text);`);
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('plan matches the tables and columns after snake_case folding, and says so', async () => {
    const res = await cli(['plan', ...urls(), '--json'], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    const plan = JSON.parse(res.stdout) as {
      tables: {
        source: string;
        target: string;
        action: string;
        columns: { target: string; match: string }[];
      }[];
      issues: { code: string; message: string }[];
    };
    const album = plan.tables.find((t) => t.source === 'Album');
    expect(album).toMatchObject({ target: 'album', action: 'load' });
    expect(album?.columns.map((c) => [c.target, c.match])).toEqual([
      ['album_id', 'snake-case'],
      ['title', 'case-insensitive'],
      ['artist_id', 'snake-case'],
    ]);
    expect(plan.issues.find((i) => i.code === 'name-folded')?.message).toContain('as snake_case');
  });

  it("check's PostgreSQL fixes name the snake_case target, not the MySQL spelling", async () => {
    await target.query('ALTER TABLE media_type ALTER COLUMN name SET NOT NULL');
    try {
      const res = await cli(['check', ...urls()], { cwd: tempDir() });
      expect(res.stdout).toContain('ALTER TABLE "public"."media_type" ALTER COLUMN "name" DROP NOT NULL');
      expect(res.stdout).not.toContain('"public"."MediaType"');
    } finally {
      await target.query('ALTER TABLE media_type ALTER COLUMN name DROP NOT NULL');
    }
  });

  it('run loads and verifies them (exit 0)', async () => {
    const res = await cli(['run', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    const rows = await target.query<{ title: string }>('SELECT title FROM album ORDER BY album_id');
    expect(rows.map((r) => r.title)).toEqual(['For Those About To Rock', 'Balls to the Wall']);
  });
});

describe('explicit renames in the profile (item 9)', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE Customers (CustId int PRIMARY KEY, CustName varchar(50) NULL, Tier int NOT NULL);
      CREATE TABLE Orders (id int PRIMARY KEY, CustId int NOT NULL, Total double NOT NULL);
      INSERT INTO Customers VALUES (1, 'Ada', 1), (2, 'Grace', 2);
      INSERT INTO Orders VALUES (10, 1, 9.5), (11, 2, 95.29497715889039);`);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(`
      CREATE TABLE client (cust_id int PRIMARY KEY, full_name text NOT NULL, tier int NOT NULL);
      CREATE TABLE purchase (id int PRIMARY KEY, client_id int NOT NULL REFERENCES client(cust_id), amount float8 NOT NULL);`);
  });
  const profileFile = () => {
    const dir = tempDir();
    const file = join(dir, 'profile.json');
    writeFileSync(
      file,
      JSON.stringify({
        renames: {
          tables: { Customers: 'client', Orders: 'purchase' },
          columns: {
            'Customers.CustName': 'full_name',
            'Orders.CustId': 'client_id',
            'Orders.Total': 'amount',
          },
        },
      }),
    );
    return file;
  };
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url, '--profile', profileFile()];

  it('plan pairs the renamed tables and columns and says so', async () => {
    const res = await cli(['plan', ...urls(), '--json'], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    const plan = JSON.parse(res.stdout) as {
      tables: {
        source: string;
        target: string;
        action: string;
        columns: { source: string; target: string; match: string }[];
      }[];
      issues: { code: string; message: string }[];
    };
    const orders = plan.tables.find((t) => t.source === 'Orders');
    expect(orders).toMatchObject({ target: 'purchase', action: 'load' });
    expect(orders?.columns.map((c) => [c.source, c.target, c.match])).toEqual([
      ['id', 'id', 'exact'],
      ['CustId', 'client_id', 'renamed'],
      ['Total', 'amount', 'renamed'],
    ]);
    expect(plan.issues.filter((i) => i.code === 'renamed').map((i) => i.message)).toContain(
      'Orders is loaded into PostgreSQL table purchase (renamed by the profile)',
    );
  });

  it("check's fixes name MySQL objects for MySQL statements and PostgreSQL objects for PostgreSQL ones", async () => {
    await source.query('UPDATE Customers SET CustName = NULL WHERE CustId = 2');
    try {
      const res = await cli(['check', ...urls()], { cwd: tempDir() });
      expect(res.code, res.all).toBe(ExitCode.checkFailed);
      // The data finding: UPDATE runs in MySQL, ALTER TABLE in PostgreSQL.
      expect(res.stdout).toContain(`UPDATE \`${source.name}\`.\`Customers\` SET \`CustName\``);
      expect(res.stdout).toContain('ALTER TABLE "public"."client" ALTER COLUMN "full_name" DROP NOT NULL');
      expect(res.stdout).not.toContain('"public"."Customers"');
      expect(res.stdout).not.toContain('"CustName"');
    } finally {
      await source.query("UPDATE Customers SET CustName = 'Grace' WHERE CustId = 2");
    }
  });

  it('a rename to a table or column the target lacks is an error check names (exit 3)', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        renames: {
          tables: { Customers: 'clients', Orders: 'purchase' },
          columns: { 'Orders.Totl': 'amount' },
        },
      }),
    );
    const res = await cli(['check', '--mysql-url', source.url, '--pg-url', target.url, '--profile', file], {
      cwd: dir,
    });
    expect(res.code, res.all).toBe(ExitCode.checkFailed);
    expect(res.stdout).toContain(
      'the profile renames Customers to clients, but PostgreSQL has no table clients',
    );
    expect(res.stdout).toContain('the profile renames Orders.Totl, but MySQL Orders has no column Totl');
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ rename: { tables: {} } }));
    const bad = await cli(['plan', '--mysql-url', source.url, '--pg-url', target.url, '--profile', typo], {
      cwd: dir,
    });
    expect(bad.code, bad.all).toBe(ExitCode.usage);
    expect(bad.stderr).toContain('typo.json is not valid');
  });

  it('run, verify, export → import → verify and migrate all honour the renames (verify equal)', async () => {
    const cwd = tempDir();
    const run = await cli(['run', ...urls()], { cwd });
    expect(run.code, run.all).toBe(ExitCode.ok);
    const rows = await target.query<{ full_name: string; amount: string }>(
      'SELECT c.full_name, p.amount::text AS amount FROM purchase p JOIN client c ON c.cust_id = p.client_id ORDER BY p.id',
    );
    expect(rows).toEqual([
      { full_name: 'Ada', amount: '9.5' },
      { full_name: 'Grace', amount: '95.29497715889039' },
    ]);
    const verified = await cli(['verify', ...urls()], { cwd });
    expect(verified.code, verified.all).toBe(ExitCode.ok);

    const exported = await cli(['export', ...urls(), '--json'], { cwd });
    expect(exported.code, exported.all).toBe(ExitCode.ok);
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    const imported = await cli(['import', dir, ...urls(), '--replace'], { cwd });
    expect(imported.code, imported.all).toBe(ExitCode.ok);
    expect((await cli(['verify', ...urls()], { cwd })).code).toBe(ExitCode.ok);

    const migrated = await cli(['migrate', ...urls(), '--replace'], { cwd });
    expect(migrated.code, migrated.all).toBe(ExitCode.ok);
    const after = await cli(['verify', ...urls(), '--json'], { cwd });
    expect(after.code, after.all).toBe(ExitCode.ok);
    expect(
      JSON.parse(after.stdout)
        .tables.map((t: { target: string }) => t.target)
        .sort(),
    ).toEqual(['client', 'purchase']);
  });
});
