// Issue 16 items 7–10: what `check` promises, `run` keeps; exit codes and messages as documented.
import { existsSync } from 'node:fs';
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

  it('run loads and verifies them (exit 0)', async () => {
    const res = await cli(['run', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    const rows = await target.query<{ title: string }>('SELECT title FROM album ORDER BY album_id');
    expect(rows.map((r) => r.title)).toEqual(['For Those About To Rock', 'Balls to the Wall']);
  });
});
