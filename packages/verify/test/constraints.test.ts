// Issue 13 item 1: verify looks at the foreign keys around the rows. A key saved by an unfinished per-table
// import (missing from the catalog) or left NOT VALID makes verify fail (exit 4) even when every row matches.
import { ExitCode, type MigrationPlan } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatVerifyReport, verifyExitCode, verifyMigration } from '../src/index.js';
import { createBothSides } from './data.js';

const my = useMysqlDatabase();
const pg = usePgDatabase();
let plan: MigrationPlan;
beforeAll(async () => {
  plan = await createBothSides(my, pg);
  await pg.query('CREATE TABLE fk_parent (id int PRIMARY KEY)');
});

const verify = () => verifyMigration({ mysqlUrl: my.url, pgUrl: pg.url, plan, mode: 'counts' });

describe('verify: foreign keys', () => {
  it('equal rows and intact keys: ok', async () => {
    const report = await verify();
    expect(report.constraints).toEqual([]);
    expect(verifyExitCode(report)).toBe(ExitCode.ok);
  });

  it('a NOT VALID key on a loaded table fails verify', async () => {
    const table = plan.tables.find((t) => t.action === 'load')!;
    await pg.query(
      `ALTER TABLE "${table.target}" ADD COLUMN fk_probe int; ALTER TABLE "${table.target}" ADD CONSTRAINT probe_fk FOREIGN KEY (fk_probe) REFERENCES fk_parent (id) NOT VALID`,
    );
    try {
      const report = await verify();
      expect(report.constraints).toEqual([
        expect.objectContaining({ table: table.target, constraint: 'probe_fk', problem: 'not-valid' }),
      ]);
      expect(verifyExitCode(report)).toBe(ExitCode.verifyMismatch);
      expect(formatVerifyReport(report)).toContain(`${table.target}: foreign key probe_fk is NOT VALID`);
    } finally {
      await pg.query(`ALTER TABLE "${table.target}" DROP COLUMN fk_probe`);
    }
  });

  it('a key saved by an unfinished import and missing from the catalog fails verify', async () => {
    const table = plan.tables.find((t) => t.action === 'load')!;
    await pg.query(`
      CREATE SCHEMA conv_state;
      CREATE TABLE conv_state.saved_foreign_keys (target_schema text, schema_name text, table_name text, name text,
        fk jsonb, saved_at timestamptz DEFAULT now());
      INSERT INTO conv_state.saved_foreign_keys VALUES
        ('public', 'public', '${table.target}', 'gone_fk', '{"definition": "FOREIGN KEY (x) REFERENCES public.p(id)"}', now());`);
    try {
      const report = await verify();
      expect(report.constraints).toEqual([
        expect.objectContaining({ table: table.target, constraint: 'gone_fk', problem: 'missing' }),
      ]);
      expect(report.ok).toBe(false);
    } finally {
      await pg.query('DROP SCHEMA conv_state CASCADE');
    }
  });
});
