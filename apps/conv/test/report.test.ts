// The run report next to the export (self-contained HTML + Markdown twin) and `show <dir>`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { timelineSvg } from '../src/report.js';
import { cli, tempDir } from './helpers.js';

describe('run report and show', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });

  it('run writes an HTML report (no network, no password) and its Markdown twin next to the export', async () => {
    const cwd = tempDir();
    const pgUrl = new URL(target.url);
    pgUrl.password = 'Pg-S3cret!'; // the local server trusts the login: the password only has to stay hidden
    const res = await cli(['run', '--mysql-url', source.url, '--pg-url', pgUrl.toString(), '--json'], {
      cwd,
    });
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const doc = JSON.parse(res.stdout) as { exportDir: string; report: { html: string; markdown: string } };
    expect(dirname(doc.report.html)).toBe(doc.exportDir);
    expect(res.stderr).toContain(`report: ${doc.report.html}`);
    const html = readFileSync(doc.report.html, 'utf8');
    const md = readFileSync(doc.report.markdown, 'utf8');
    for (const page of [html, md]) {
      expect(page).not.toContain('Pg-S3cret');
      expect(page).toContain(`${pgUrl.hostname}:${pgUrl.port || 5432}`);
      expect(page).toContain(target.name);
      expect(page).toContain('completed (exit 0)');
      expect(page).toContain(doc.exportDir);
      expect(page).toContain('import script');
    }
    // Self-contained: no script, nothing loaded from elsewhere (the SVG namespace is a name, not a fetch).
    expect(html).not.toMatch(/<script|<link|\bsrc=|\bhref=|url\(|@import/i);
    expect(html).toContain('<svg');
    expect((html.match(/<rect /g) ?? []).length).toBe(4); // 2 tables × migrate, verify
    expect(html).toMatch(/<td>account<\/td><td>40<\/td><td>40<\/td><td>ok<\/td>/);
    expect(md).toContain('| account | 40 | 40 | ok |');
    expect(md).toMatch(/\| migrate \| \d+s \| 2 \| 160 \|/);
  });

  it('a manual run (log started → export → import → verify → log completed, one --run-id) writes the same report', async () => {
    const cwd = tempDir();
    const urls = ['--mysql-url', source.url, '--pg-url', target.url];
    const started = await cli(['log', 'started', 'window opened', '--json'], { cwd });
    expect(started.code, started.all).toBe(ExitCode.ok);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    const run = ['--run-id', runId];
    const exported = await cli(['export', ...urls, ...run, '--json'], { cwd });
    expect(exported.code, exported.all).toBe(ExitCode.ok);
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    // After each step the report is there, and says the run is under way.
    const html = join(dir, `run_report_${runId}.html`);
    expect(exported.stderr).toContain(`report of run ${runId}: ${html}`);
    expect(readFileSync(html, 'utf8')).toContain('in progress');
    const imported = await cli(['import', dir, ...urls, ...run, '--replace'], { cwd });
    expect(imported.code, imported.all).toBe(ExitCode.ok);
    expect((await cli(['verify', ...urls, ...run], { cwd })).code).toBe(ExitCode.ok);
    const closed = await cli(['log', 'completed', 'window closed', ...run, '--json'], { cwd });
    expect(closed.code, closed.all).toBe(ExitCode.ok);
    const doc = JSON.parse(closed.stdout) as { report: { html: string; markdown: string } };
    expect(doc.report.html).toBe(html);
    const page = readFileSync(doc.report.html, 'utf8');
    const md = readFileSync(doc.report.markdown, 'utf8');
    for (const text of [page, md]) {
      expect(text).toContain(runId);
      expect(text).toContain('completed (exit 0)');
      expect(text).toContain(target.name);
      expect(text).toContain(dir);
      expect(text).toContain('import script');
    }
    expect(page).not.toMatch(/<script|<link|\bsrc=|\bhref=|url\(|@import/i);
    expect((page.match(/<rect /g) ?? []).length).toBe(6); // 2 tables × export, import, verify
    expect(page).toMatch(/<td>account<\/td><td>40<\/td><td>40<\/td><td>ok<\/td>/);
    expect(md).toContain('| account | 40 | 40 | ok |');
    expect(md).toMatch(/\| export \| \d+s \| 2 \| 160 \|/);
    expect(md).toMatch(/\| import \| \d+s \| 2 \| 160 \|/);
  });

  it('show <dir> summarises the manifest in a few lines (and says why wc -l differs)', async () => {
    const cwd = tempDir();
    const exported = await cli(['export', '--mysql-url', source.url, '--pg-url', target.url, '--json'], {
      cwd,
    });
    const { dir } = JSON.parse(exported.stdout) as { dir: string };
    const shown = await cli(['show', dir], { cwd });
    expect(shown.code).toBe(ExitCode.ok);
    expect(shown.stderr).toContain(`conv show: export directory ${dir}`);
    expect(shown.stdout).toContain('2 tables, 160 rows');
    expect(shown.stdout).toContain('`wc -l` differs');
    expect(shown.stdout).toMatch(/account\s+40\s+[\d.]+\s+account\.csv/);
    expect(shown.stdout.split('\n').length).toBeLessThan(15);
    const json = await cli(['show', dir, '--json'], { cwd });
    const doc = JSON.parse(json.stdout) as { command: string; manifest: { totals: { rows: number } } };
    expect(doc.command).toBe('show');
    expect(doc.manifest.totals.rows).toBe(160);
    expect(doc.manifest).not.toHaveProperty('plan');
    const missing = await cli(['show', `${dir}-nope`], { cwd });
    expect(missing.code).toBe(ExitCode.badInput);
    expect(missing.stderr).toContain('migration_manifest.json');
  });

  it('every command names the servers and databases it works on', async () => {
    const cwd = tempDir();
    const check = await cli(['check', '--mysql-url', source.url, '--pg-url', target.url], { cwd });
    expect(check.stderr).toMatch(
      new RegExp(
        `conv check: MySQL [^ ]+:\\d+/${source.name} → PostgreSQL [^ ]+:\\d+/${target.name} \\(schema public\\)`,
      ),
    );
  });
});

describe('the per-table timeline', () => {
  it('draws steps that overlap in time in lanes of their own (verify while migrate loads stays visible)', () => {
    const svg = timelineSvg([
      { step: 'migrate', table: 't', start: 0, end: 100, rows: 5, bytes: 10 },
      { step: 'verify', table: 't', start: 10, end: 120, rows: 5, bytes: 0 },
    ]);
    const ys = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g)].map(
      (m) => [Number(m[1]), Number(m[2])],
    );
    expect(ys).toHaveLength(2);
    const [[y1, h1], [y2]] = ys as [[number, number], [number, number]];
    // The second bar starts below the first one ends: neither covers the other.
    expect(y2).toBeGreaterThanOrEqual(y1 + h1);
  });
});
