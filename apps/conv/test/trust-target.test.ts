// Issue 16 items 2, 3, 5 through `run`: what a full run does to the target beyond the planned rows.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

describe('run over inheritance, partitions, free sequences and a live target', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE payment (id int PRIMARY KEY, amount decimal(5,2) NOT NULL);
      CREATE TABLE measure (id int PRIMARY KEY, v varchar(10));
      INSERT INTO payment VALUES (1, 1.50), (2, 2.50);
      INSERT INTO measure VALUES (1, 'low'), (50, 'high');
    `);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(`
      CREATE SEQUENCE payment_seq;
      CREATE TABLE payment (id int PRIMARY KEY DEFAULT nextval('payment_seq'), amount numeric(5,2) NOT NULL);
      CREATE TABLE payment_2007_01 () INHERITS (payment);
      INSERT INTO payment_2007_01 VALUES (100, 9.99);
      CREATE TABLE measure (id int, v text) PARTITION BY RANGE (id);
      CREATE TABLE measure_low PARTITION OF measure FOR VALUES FROM (0) TO (10);
      CREATE TABLE measure_high PARTITION OF measure FOR VALUES FROM (10) TO (100);
    `);
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('keeps the inheritance child rows, verifies the parent own rows, resets the free sequence (exit 0)', async () => {
    const res = await cli(['run', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    const child = await target.query<{ id: number }>('SELECT id FROM payment_2007_01');
    expect(child.map((r) => r.id)).toEqual([100]);
    // Past the child's id too: the application inserts through the parent, into the same key space.
    expect(res.stdout).toContain('public.payment_seq → 101');
    const [next] = await target.query<{ id: number }>('INSERT INTO payment (amount) VALUES (1) RETURNING id');
    expect(next?.id).toBe(101);
    await target.query('DELETE FROM ONLY payment WHERE id = 101');
  });

  it('verify does not call a parent equal when rows it should hold are gone', async () => {
    await target.query('DELETE FROM ONLY payment WHERE id = 2');
    const res = await cli(['verify', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.verifyMismatch);
  });

  it('refuses to run over rows already in the target (exit 3) unless --replace, then reports them', async () => {
    const refusedCwd = tempDir();
    const refused = await cli(['run', ...urls()], { cwd: refusedCwd });
    expect(refused.code, refused.all).toBe(ExitCode.checkFailed);
    // Refused before the export: nothing exported either.
    expect(existsSync(join(refusedCwd, 'csv_exports'))).toBe(false);
    expect(refused.stderr).toContain('payment (1 rows)');
    expect(refused.stderr).toContain('measure (2 rows)');
    expect(refused.stderr).toContain('--replace');
    const replaced = await cli(['run', ...urls(), '--replace'], { cwd: tempDir() });
    expect(replaced.code, replaced.all).toBe(ExitCode.ok);
    expect(replaced.stdout).toContain('replaced: 1 rows that payment held before');
    expect(replaced.stdout).toContain('replaced: 2 rows that measure held before');
    const child = await target.query<{ id: number }>('SELECT id FROM payment_2007_01');
    expect(child.map((r) => r.id)).toEqual([100]);
  });
});
