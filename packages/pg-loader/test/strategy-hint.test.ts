// Issue 13 item 15: when `auto` finds no strategy, the hint must not suggest `--fk-strategy auto`.
import { ConvError, ExitCode } from '@conv/core';
import { createPgRole, testServers, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { removeDir, writeExport } from './helpers.js';

type Role = Awaited<ReturnType<typeof createPgRole>>;
const db = usePgDatabase();
let owner: Role;
let writer: Role;
const dirs: string[] = [];

beforeAll(async () => {
  owner = await createPgRole(testServers().pg);
  writer = await createPgRole(testServers().pg);
  const o = `"${owner.name}"`;
  const w = `"${writer.name}"`;
  // A cycle of non-deferrable keys, tables owned by another role: no replica, no drop-recreate, no ordered.
  await db.query(`
    CREATE SCHEMA cyc AUTHORIZATION ${o};
    SET ROLE ${o};
    CREATE TABLE cyc.a (id int PRIMARY KEY, b_id int);
    CREATE TABLE cyc.b (id int PRIMARY KEY, a_id int REFERENCES cyc.a(id));
    ALTER TABLE cyc.a ADD FOREIGN KEY (b_id) REFERENCES cyc.b(id);
    RESET ROLE;
    GRANT USAGE ON SCHEMA cyc TO ${w};
    GRANT SELECT, INSERT, TRUNCATE ON ALL TABLES IN SCHEMA cyc TO ${w};
  `);
});
afterAll(async () => {
  dirs.forEach(removeDir);
  await db.query(`DROP SCHEMA cyc CASCADE; DROP OWNED BY "${owner.name}", "${writer.name}"`);
  await owner.drop();
  await writer.drop();
});

describe('no foreign-key strategy available', () => {
  it('auto: refused before writing, and the hint does not say "choose --fk-strategy auto"', async () => {
    const dir = writeExport([
      { table: 'a', columns: ['id', 'b_id'], rows: [['1', null]] },
      { table: 'b', columns: ['id', 'a_id'], rows: [['1', '1']] },
    ]);
    dirs.push(dir);
    const err = await importDirectory({ pgUrl: writer.urlFor(db.name), dir, schema: 'cyc' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConvError);
    const e = err as ConvError;
    expect(e.code).toBe('import.fk-strategy-unavailable');
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.hint).not.toContain('--fk-strategy auto');
    expect(e.hint).toContain('DEFERRABLE');
    const explicit = await importDirectory({
      pgUrl: writer.urlFor(db.name),
      dir,
      schema: 'cyc',
      fkStrategy: 'replica',
    }).catch((x: unknown) => x);
    expect((explicit as ConvError).hint).toContain('--fk-strategy auto');
  });
});
