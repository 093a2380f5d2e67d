// Issue 16 item 10: the exit codes and messages of docs/troubleshooting.md are the ones conv gives.
import { readFileSync } from 'node:fs';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { formatVerifyReport, type VerifyReport } from '@conv/verify';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

const DOC = readFileSync(new URL('../../../docs/troubleshooting.md', import.meta.url), 'utf8');

/** The text of the doc section whose heading contains `heading`, up to the next heading. */
function section(heading: string): string {
  const start = DOC.split('\n## ').find((s) => s.startsWith(heading));
  if (!start) throw new Error(`no section "${heading}" in docs/troubleshooting.md`);
  return start;
}

describe('docs/troubleshooting.md against the code', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE node (id int PRIMARY KEY, parent int NULL, score int NOT NULL);
      INSERT INTO node VALUES (1, NULL, 5), (2, 1, 50);`);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(`
      CREATE TABLE node (id int PRIMARY KEY, parent int REFERENCES node(id), score int NOT NULL CHECK (score < 10));`);
  });
  const empty = usePgDatabase();
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('a refused --fk-strategy is a usage error (exit 2), documented under exit 2 with its message', async () => {
    const res = await cli(['run', ...urls(), '--fk-strategy', 'ordered'], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.usage);
    expect(res.stderr).toContain('foreign-key strategy ordered cannot be used: ');
    expect(res.stderr).toContain('; nothing was written');
    expect(section('Usage and configuration (exit 2)')).toContain(
      '`foreign-key strategy ordered cannot be used: …; nothing was written`',
    );
    expect(section('Loading failed')).not.toContain('foreign-key strategy');
  });

  it('a rejected row: exit 6, the message in the documented shape (table, file, line, SQLSTATE)', async () => {
    const res = await cli(['run', ...urls(), '--via', 'export-import'], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.loadFailed);
    expect(res.stderr).toMatch(
      /row rejected at table public\.node, file \S+node\.csv, line 3: .*\[SQLSTATE 23514\]/,
    );
    expect(section('Loading failed, rolled back (exit 6)')).toContain(
      '`row rejected at table <schema>.<table>, file <path>, line N, column "<column>": <PostgreSQL message> (<detail>) [SQLSTATE …]`',
    );
  });

  it('a rejected row while streaming (run migrates by default): exit 6, the row counted as MySQL sent it', async () => {
    const res = await cli(['run', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.loadFailed);
    expect(res.stderr).toMatch(
      /row rejected at table public\.node \(rows streamed from MySQL table node\), row 2 in the order MySQL sent them: .*\[SQLSTATE 23514\]/,
    );
    expect(section('Loading failed, rolled back (exit 6)')).toContain(
      '`row rejected at table <schema>.<table> (rows streamed from MySQL table <table>), row N in the order MySQL sent them, column "<column>": <PostgreSQL message> (<detail>) [SQLSTATE …]`',
    );
    // The terminal shows PostgreSQL's detail (the row's values); the run report leaves them out.
    expect(res.stderr).toContain('Failing row contains (2, 1, 50)');
    const report = /report:\s+(\S+)\.html/.exec(res.stdout)?.[1];
    const md = readFileSync(`${report}.md`, 'utf8');
    expect(md).toMatch(
      /row rejected at table public\.node .*\(row values left out of this report\) \[SQLSTATE 23514\]/,
    );
    expect(md).not.toContain('Failing row contains');
    // The report says what the audit log says, and where the failed load's script and log are.
    expect(md).toContain('rolled_back (exit 6)');
    expect(md).toMatch(/import script[^\n]*import_script_/);
    expect(md).toMatch(/import log[^\n]*import_log_/);
    expect(res.stdout).not.toContain('stopped before export');
    expect(readFileSync(`${report}.html`, 'utf8')).not.toContain('Failing row contains');
  });

  it('nothing-to-load: exit 7 with the real flag in its hint, and documented', async () => {
    const cwd = tempDir();
    const exported = await cli(['export', ...urls(), '--json'], { cwd });
    expect(exported.code, exported.all).toBe(ExitCode.ok);
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    const res = await cli(['import', dir, '--mysql-url', source.url, '--pg-url', empty.url], { cwd });
    expect(res.code, res.all).toBe(ExitCode.badInput);
    expect(res.stderr).toContain('nothing to load into');
    expect(res.stderr).toContain('--pg-schema');
    expect(res.stderr).not.toMatch(/--schema\b/);
    expect(section('Bad export directory (exit 7)')).toContain('`import.nothing-to-load`');
  });

  it("verify's report suggests no flag that does not exist; the doc says what the truncation line means", () => {
    const report: VerifyReport = {
      ok: false,
      mode: 'full',
      hashIn: 'sql',
      chunkRows: 10000,
      samplePercent: null,
      totals: { tables: 1, sourceRows: 30, targetRows: 30, mismatchedTables: 1 },
      tables: [
        {
          table: 't',
          target: 't',
          sourceRows: 30,
          targetRows: 30,
          countMatch: true,
          checksumMatch: false,
          mismatches: Array.from({ length: 20 }, (_, i) => ({
            key: { id: String(i) },
            columns: ['v'],
            kind: 'differs' as const,
          })),
          mismatchesTruncated: true,
          chunks: { chunking: 'range', total: 1, checked: 1, mismatched: 1 },
          ms: 1,
        },
      ],
      ms: 1,
    };
    const text = formatVerifyReport(report, { color: false });
    expect(text).not.toContain('--max-mismatches');
    expect(text).toContain('… more rows differ (only the first 20 are listed)');
    expect(section('`verify` found a difference (exit 4)')).toContain(
      '`… more rows differ (only the first 20 are listed)`',
    );
  });

  it('every blocking code check and the loader give is in the exit 3 section', () => {
    const exit3 = section('`check` found blocking problems (exit 3)');
    for (const code of [
      'no-target-tables',
      'target.not-empty',
      'column-missing-in-source',
      'target-triggers',
    ]) {
      expect(exit3, code).toContain(`\`${code}\``);
    }
  });
});
