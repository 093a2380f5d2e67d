import { describe, expect, it } from 'vitest';
import {
  FIXTURES_MISSING,
  fixturePath,
  loadMysqlDump,
  loadPgDump,
  useMysqlDatabase,
  usePgDatabase,
} from '../src/index.js';

const mysqlSchema = fixturePath('alkemio/mysql.schema.sql');
const pgSchema = fixturePath('alkemio/pg.schema.sql');
if (!mysqlSchema || !pgSchema) console.warn(FIXTURES_MISSING);

describe.skipIf(!mysqlSchema || !pgSchema)('fixture loading', () => {
  const my = useMysqlDatabase();
  const pgdb = usePgDatabase();

  it('loads the Alkemio MySQL dump (77 tables)', async () => {
    await loadMysqlDump(my, mysqlSchema as string);
    const rows = await my.query<{ n: number }[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
    );
    expect(Number(rows[0]?.n)).toBe(77);
  });

  it('loads the Alkemio PostgreSQL dump (77 tables) and leaves the search_path usable', async () => {
    await loadPgDump(pgdb, pgSchema as string);
    const rows = await pgdb.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    expect(Number(rows[0]?.n)).toBe(77);
    expect(await pgdb.query('SELECT COUNT(*)::int AS n FROM account')).toEqual([{ n: 0 }]);
  });
});
