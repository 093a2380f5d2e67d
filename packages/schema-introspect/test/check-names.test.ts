// Issue 13 item 14: names PostgreSQL cannot hold (> 63 bytes) are a check error, not a silent skip.
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { pgTruncatedName } from '../src/check/identifiers.js';
import { checkExitCode, checkMigration, introspectMysql, introspectPg, planMigration } from '../src/index.js';

const LONG = `t${'x'.repeat(63)}`; // 64 bytes: MySQL's longest table name
const CJK = '数据迁移测试表格名称非常长的中文表名'; // 18 characters, 54 bytes: fits
const CJK_LONG = `${CJK}用于检查`; // 22 characters, 66 bytes

describe('check: names longer than 63 bytes', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(
      `CREATE TABLE \`${LONG}\` (id int PRIMARY KEY); CREATE TABLE \`${CJK_LONG}\` (id int PRIMARY KEY);
       CREATE TABLE \`${CJK}\` (id int PRIMARY KEY, \`c${'y'.repeat(63)}\` int);`,
    );
  });
  const pg = usePgDatabase(async (db) => {
    // What the application's migration gets in PostgreSQL: the name cut to 63 bytes (with a NOTICE).
    await db.query(
      `CREATE TABLE "${LONG}" (id int PRIMARY KEY); CREATE TABLE "${CJK}" (id int PRIMARY KEY, c int)`,
    );
  });

  it('an error per name (exit 3), with the truncated name the target holds in the fix', async () => {
    const source = await introspectMysql(my.url);
    const target = await introspectPg(pg.client);
    const report = await checkMigration({
      mysql: my.url,
      plan: planMigration(source, target),
      source,
      target,
      schemaOnly: true,
    });
    const long = report.findings.filter((f) => f.code === 'name-too-long');
    expect(long.map((f) => `${f.table}.${f.column}`).sort()).toEqual(
      [`${LONG}.null`, `${CJK_LONG}.null`, `${CJK}.c${'y'.repeat(63)}`].sort(),
    );
    expect(long.every((f) => f.severity === 'error')).toBe(true);
    const first = long.find((f) => f.table === LONG)!;
    expect(first.fix).toContain(`the target has ${LONG.slice(0, 63)}`);
    expect(first.fix).not.toMatch(/^create /);
    expect(checkExitCode(report)).toBe(3);
  });

  it('truncates like PostgreSQL: 63 bytes, never inside a character', async () => {
    expect(pgTruncatedName(LONG)).toBe(LONG.slice(0, 63));
    expect(pgTruncatedName(CJK_LONG)).toBe(CJK_LONG.slice(0, 21)); // 63 bytes = 21 characters
    const [row] = await pg.query<{ n: string }>(`SELECT $1::name::text AS n`, [`${CJK_LONG}x`]);
    expect(pgTruncatedName(`${CJK_LONG}x`)).toBe(row?.n);
  });
});
