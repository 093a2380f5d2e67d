// Issue 13 item 8: verify must not report differences on correctly loaded data (binary(16) NULL → uuid,
// YEAR 0000 → smallint 0).
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

describe('verify on values whose MySQL text differs from the loaded value', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(
      "SET SESSION sql_mode = ''; CREATE TABLE thing (id int PRIMARY KEY, u binary(16) NULL, y year NULL);" +
        "INSERT INTO thing VALUES (1, NULL, 0), (2, UNHEX('0123456789abcdef0123456789abcdef'), 2021), (3, NULL, NULL);",
    );
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query('CREATE TABLE thing (id int PRIMARY KEY, u uuid, y smallint)');
  });

  it('binary(16) NULL and YEAR 0000 load and verify equal (exit 0)', async () => {
    const res = await cli(['run', '--mysql-url', source.url, '--pg-url', target.url], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    const rows = await target.query<{ u: string | null; y: number | null }>(
      'SELECT u::text AS u, y FROM thing ORDER BY id',
    );
    expect(rows).toEqual([
      { u: null, y: 0 },
      { u: '01234567-89ab-cdef-0123-456789abcdef', y: 2021 },
      { u: null, y: null },
    ]);
    const verified = await cli(['verify', '--mysql-url', source.url, '--pg-url', target.url], {
      cwd: tempDir(),
    });
    expect(verified.code, verified.all).toBe(ExitCode.ok);
  });
});
