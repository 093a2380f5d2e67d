import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConvError, ExitCode } from '@conv/core';
import { createPgRole, testServers, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDirectory, STATE_FILE } from '../src/index.js';
import { removeDir, type TableSpec, writeExport, writeManifestFor } from './helpers.js';

type Role = Awaited<ReturnType<typeof createPgRole>>;

const db = usePgDatabase();
let owner: Role;
let writer: Role;
const dirs: string[] = [];

// Tables of schema `app` belong to `owner`; `writer` may only read, write and truncate them.
beforeAll(async () => {
  owner = await createPgRole(testServers().pg);
  writer = await createPgRole(testServers().pg);
  const o = `"${owner.name}"`;
  const w = `"${writer.name}"`;
  await db.query(`
    CREATE SCHEMA app AUTHORIZATION ${o};
    SET ROLE ${o};
    CREATE TABLE app.org (id uuid PRIMARY KEY, "rowId" serial UNIQUE, name text NOT NULL);
    CREATE TABLE app.member (id uuid PRIMARY KEY, "orgId" uuid NOT NULL REFERENCES app.org(id), "rowId" serial, nick text);
    CREATE TABLE app.note (id int PRIMARY KEY, "memberId" uuid REFERENCES app.member(id), body text);
    RESET ROLE;
    GRANT USAGE ON SCHEMA app TO ${w};
    GRANT SELECT, INSERT, TRUNCATE ON ALL TABLES IN SCHEMA app TO ${w};
    GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA app TO ${w};
  `);
});
afterAll(async () => {
  dirs.forEach(removeDir);
  await db.query(`DROP SCHEMA app CASCADE; DROP OWNED BY "${owner.name}", "${writer.name}"`);
  await owner.drop();
  await writer.drop();
});

const O1 = '0a000000-0000-4000-8000-000000000001';
const O2 = '0a000000-0000-4000-8000-000000000002';
const M1 = '0b000000-0000-4000-8000-000000000001';
const M2 = '0b000000-0000-4000-8000-000000000002';

// Children first in the manifest: their rows reference tables loaded after them.
function specs(memberOrg2 = O2): TableSpec[] {
  return [
    {
      table: 'note',
      columns: ['id', 'memberId', 'body'],
      rows: [
        ['1', M1, 'hello'],
        ['2', null, 'orphan-free'],
      ],
    },
    {
      table: 'member',
      columns: ['id', 'orgId', 'rowId', 'nick'],
      rows: [
        [M1, O1, '8', 'ann'],
        [M2, memberOrg2, '9', 'bob'],
      ],
    },
    {
      table: 'org',
      columns: ['id', 'rowId', 'name'],
      rows: [
        [O1, '30', 'one'],
        [O2, '31', 'two'],
      ],
    },
  ];
}

async function content() {
  return {
    org: await db.query('SELECT id::text, "rowId", name FROM app.org ORDER BY id'),
    member: await db.query('SELECT id::text, "orgId"::text, "rowId", nick FROM app.member ORDER BY id'),
    note: await db.query('SELECT id, "memberId"::text, body FROM app.note ORDER BY id'),
  };
}

async function constraints() {
  return db.query(
    `SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' AND connamespace = 'app'::regnamespace ORDER BY conname`,
  );
}

function exportDir(s: TableSpec[]): string {
  const dir = writeExport(s);
  dirs.push(dir);
  return dir;
}

function artifactsOf(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.startsWith('import_'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

describe('a non-superuser role', () => {
  it('that owns the tables: auto falls back to drop-recreate, says so, and keys come back validated', async () => {
    const dir = exportDir(specs());
    const keys = await constraints();
    const result = await importDirectory({ pgUrl: owner.urlFor(db.name), dir, schema: 'app' });
    expect(result.strategy).toBe('drop-recreate');
    expect(result.strategyReason).toMatch(/^drop-recreate: role conv_t_\S+ owns every referencing table/);
    expect(result.strategyReason).toContain('session_replication_role cannot be set');
    expect(result.checkedForeignKeys).toBe(2);
    expect(await constraints()).toEqual(keys);
    expect((await content()).note).toEqual([
      { id: 1, memberId: M1, body: 'hello' },
      { id: 2, memberId: null, body: 'orphan-free' },
    ]);
    expect(result.sequences).toEqual(
      expect.arrayContaining([
        { sequence: 'app."org_rowId_seq"', value: '32' },
        { sequence: 'app."member_rowId_seq"', value: '10' },
      ]),
    );
    const artifacts = artifactsOf(dir);
    expect(artifacts).toContain(
      'ADD CONSTRAINT "member_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES app.org(id) NOT VALID;',
    );
    expect(artifacts).toContain('VALIDATE CONSTRAINT "member_orgId_fkey";');
    expect(artifacts).not.toContain(owner.password);
  });

  it('that owns the tables: a failed VALIDATE names the constraint and the offending keys; all rolled back', async () => {
    const missing = '0a000000-0000-4000-8000-0000000000ff';
    const dir = exportDir(specs(missing));
    const before = await content();
    const keys = await constraints();
    const err = await importDirectory({
      replace: true,
      pgUrl: owner.urlFor(db.name),
      dir,
      schema: 'app',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ConvError);
    expect(err.exitCode).toBe(ExitCode.loadFailed);
    expect(err.message).toContain('foreign key member_orgId_fkey of app.member (orgId) → app.org (id)');
    expect(err.message).toContain(`Offending keys: (orgId=${missing})`);
    expect(await content()).toEqual(before);
    expect(await constraints()).toEqual(keys);
  });

  it('that does not own a table: --triggers fire cannot switch its trigger, refused before any write', async () => {
    await db.query(`
      CREATE FUNCTION app.note_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
      CREATE TRIGGER note_touch BEFORE INSERT ON app.note FOR EACH ROW EXECUTE FUNCTION app.note_touch();
      ALTER TABLE app.note ENABLE REPLICA TRIGGER note_touch; -- fires only in replica sessions`);
    try {
      const dir = exportDir(specs());
      await db.query('TRUNCATE app.org, app.member, app.note');
      const err = await importDirectory({
        pgUrl: writer.urlFor(db.name),
        dir,
        schema: 'app',
        triggers: 'fire',
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConvError);
      // The message docs/troubleshooting.md shows under exit 2.
      expect((err as ConvError).message).toMatch(
        new RegExp(
          `^--triggers fire: trigger note_touch on note cannot be switched for the load: role ${writer.name} does not own note; nothing was written$`,
        ),
      );
      expect((await content()).org).toHaveLength(0);
    } finally {
      await db.query('DROP TRIGGER note_touch ON app.note; DROP FUNCTION app.note_touch()');
    }
  });

  it('that only has privileges: auto falls back to ordered (parents first) and says why', async () => {
    const dir = exportDir(specs());
    await db.query('TRUNCATE app.org, app.member, app.note');
    const result = await importDirectory({ pgUrl: writer.urlFor(db.name), dir, schema: 'app' });
    expect(result.strategy).toBe('ordered');
    expect(result.strategyReason).toMatch(/^ordered: parents loaded before children/);
    expect(result.strategyReason).toContain('drop-recreate needs ownership of');
    expect(result.loaded.map((t) => t.table)).toEqual(['org', 'member', 'note']);
    expect((await content()).member).toHaveLength(2);
  });

  it('per-table: commits table by table, records progress, resumes after the last committed table', async () => {
    await db.query('TRUNCATE app.org, app.member, app.note');
    const bad = specs();
    bad[0]!.rows[1]![0] = 'x'; // note.id is an int: the last table in load order fails
    const dir = exportDir(bad);
    const err = await importDirectory({
      replace: true,
      pgUrl: owner.urlFor(db.name),
      dir,
      schema: 'app',
      mode: 'per-table',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ConvError);
    expect(err.message).toContain('line 3, column "id"');
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'));
    expect(state).toMatchObject({ phase: 'loading', strategy: 'drop-recreate', done: ['org', 'member'] });
    expect(state.droppedForeignKeys.map((fk: { name: string }) => fk.name).sort()).toEqual([
      'member_orgId_fkey',
      'note_memberId_fkey',
    ]);
    // Committed: org and member are loaded, the keys are dropped (saved in the state file).
    const partial = await content();
    expect(partial.org).toHaveLength(2);
    expect(partial.member).toHaveLength(2);
    expect(partial.note).toEqual([]);
    expect(await constraints()).toEqual([]);

    // Fix the file (same plan), run again: it resumes after `member`.
    const fixed = specs();
    writeExport(fixed, dir);
    writeManifestFor(dir, fixed);
    const result = await importDirectory({
      replace: true,
      pgUrl: owner.urlFor(db.name),
      dir,
      schema: 'app',
      mode: 'per-table',
    });
    expect(result.resumed).toEqual(['org', 'member']);
    expect(result.loaded.map((t) => t.table)).toEqual(['note']);
    expect(await constraints()).toEqual([
      { conname: 'member_orgId_fkey', convalidated: true },
      { conname: 'note_memberId_fkey', convalidated: true },
    ]);
    expect((await content()).note).toHaveLength(2);
    expect(result.sequences).toEqual(
      expect.arrayContaining([{ sequence: 'app."org_rowId_seq"', value: '32' }]),
    );
    expect(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')).phase).toBe('completed');

    // A run that died after recording `preparing` but before its setup committed: keys still there,
    // tables still full. The re-run drops what is present, truncates, loads everything, re-adds the keys.
    writeFileSync(join(dir, STATE_FILE), JSON.stringify({ ...state, phase: 'preparing', done: [] }));
    const again = await importDirectory({
      replace: true,
      pgUrl: owner.urlFor(db.name),
      dir,
      schema: 'app',
      mode: 'per-table',
    });
    expect(again.resumed).toEqual([]);
    expect(again.loaded.map((t) => t.table)).toEqual(['org', 'member', 'note']);
    expect(await constraints()).toEqual([
      { conname: 'member_orgId_fkey', convalidated: true },
      { conname: 'note_memberId_fkey', convalidated: true },
    ]);
    expect((await content()).member).toHaveLength(2);
  });
});
