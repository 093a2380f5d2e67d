// The demo's fallback path (no fixtures): a generated database through the whole `run`, on the test
// servers, databases dropped afterwards.
import { existsSync, readFileSync } from 'node:fs';
import { testServers } from '@conv/testkit';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';
import { tempDir } from './helpers.js';

describe('runDemo with the generated database', () => {
  it('runs the whole runbook to a verified migration and reports where the export and log are', async () => {
    let stdout = '';
    let stderr = '';
    const servers = testServers();
    const result = await runDemo({
      app: { name: 'unused', profile: {} },
      fixture: 'alkemio',
      generated: true,
      keep: false,
      workDir: tempDir('conv-demo-'),
      env: { CONV_TEST_MYSQL_URL: servers.mysql.url, CONV_TEST_PG_URL: servers.pg.url },
      io: {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
      },
    });
    if (result.code !== 0) console.error(stderr);
    expect(result.code).toBe(0);
    expect(result.source).toBe('generated');
    expect(stdout).toContain('account');
    expect(stdout).toContain('Demo finished.');
    expect(stdout).toContain(result.auditLog);
    expect(existsSync(result.exportBaseDir)).toBe(true);
    const log = JSON.parse(readFileSync(result.auditLog, 'utf8')) as { migration_runs: { status: string }[] };
    expect(log.migration_runs.at(-1)?.status).toBe('completed');

    // keep: false dropped both databases.
    const my = await mysql.createConnection({ uri: servers.mysql.url });
    const [rows] = await my.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [result.database],
    );
    await my.end();
    expect(Number(rows[0]?.['n'])).toBe(0);
    const client = new pg.Client({ connectionString: servers.pg.url });
    await client.connect();
    const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [result.database]);
    await client.end();
    expect(res.rowCount).toBe(0);
  });
});
