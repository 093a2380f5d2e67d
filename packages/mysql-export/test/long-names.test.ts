// Issue 13 item 14: a table name whose file-safe spelling is longer than a file name may be (28+ CJK
// characters) must not make the whole export fail with ENAMETOOLONG.
import { readdirSync } from 'node:fs';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { fileNameFor } from '../src/files.js';
import { exportDatabase } from '../src/index.js';
import { tempDir } from './helpers.js';

const CJK = '数据迁移测试表格名称非常长的中文表名用于检查文件名长度限制是否正确'.slice(0, 30);

describe('long table names', () => {
  const my = useMysqlDatabase(async (db) => {
    await db.query(
      `CREATE TABLE ok (id int PRIMARY KEY); INSERT INTO ok VALUES (1);
       CREATE TABLE \`${CJK}\` (id int PRIMARY KEY); INSERT INTO \`${CJK}\` VALUES (1), (2);`,
    );
  });
  const pg = usePgDatabase(async (db) => {
    await db.query('CREATE TABLE ok (id int PRIMARY KEY)');
  });

  it('file names stay under 255 bytes with room for .partial and ~N, and stay unique', () => {
    const taken = new Set<string>();
    const a = fileNameFor(CJK, taken);
    const b = fileNameFor(`${CJK.slice(0, 29)}X`, taken);
    for (const name of [a, b]) expect(Buffer.byteLength(`${name}.partial`)).toBeLessThanOrEqual(255);
    expect(a).not.toBe(b);
    expect(fileNameFor('plain_name', taken)).toBe('plain_name.csv');
  });

  it(`a ${CJK.length}-character CJK table name exports (no ENAMETOOLONG)`, async () => {
    const plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
    const result = await exportDatabase({ mysqlUrl: my.url, plan, outDir: tempDir(), app: 'names', jobs: 1 });
    const entry = result.manifest.tables.find((t) => t.table === CJK);
    expect(entry?.rows).toBe(2);
    expect(readdirSync(result.dir)).toContain(entry?.file);
  });
});
