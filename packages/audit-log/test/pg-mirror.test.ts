import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEvent, openAuditLog, readAuditLog } from '../src/index.js';

const pgDb = usePgDatabase();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conv-audit-pg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PostgreSQL mirror', () => {
  it('creates conv_migration_log when missing and inserts every event exactly', async () => {
    const file = join(dir, 'mirror.json');
    const log = openAuditLog({ file, pgUrl: pgDb.url });
    const message = 'quote \' double " newline\n é 😀 ; DROP TABLE x; --';
    await log.append({ runId: 'run-1', status: 'started', message });
    await log.append({
      runId: 'run-1',
      status: 'completed',
      step: 'import',
      app: 'alkemio',
      tables: ['user', 'space'],
      rows: 9_000_000_000,
      bytes: 42,
      durationMs: 1234,
    });
    expect(log.mirrorErrors).toEqual([]);
    const rows = await pgDb.query(
      `SELECT run_id, status, message, step, app, tables, rows::text AS rows, bytes, duration_ms,
              to_char(logged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, tool_version
         FROM conv_migration_log ORDER BY id`,
    );
    const events = (await readAuditLog(file)).migration_runs;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ run_id: 'run-1', status: 'started', message, step: null, tables: null });
    expect(rows[0]?.['ts']).toBe(events[0]?.timestamp);
    expect(rows[1]).toMatchObject({
      status: 'completed',
      step: 'import',
      app: 'alkemio',
      tables: ['user', 'space'],
      rows: '9000000000',
      duration_ms: '1234',
    });
  });

  it('a mirror failure keeps the event in the file, reports it, and leaks no password', async () => {
    const file = join(dir, 'mirror-fail.json');
    const failures: { error: Error; event: AuditEvent }[] = [];
    const log = openAuditLog({
      file,
      pgUrl: 'postgres://postgres:s3cret-pw@127.0.0.1:1/nowhere',
      onMirrorError: (error, event) => failures.push({ error, event }),
    });
    const event = await log.append({ runId: 'run-2', status: 'failed', message: 'kept' });
    expect((await readAuditLog(file)).migration_runs).toEqual([event]);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.event).toEqual(event);
    expect(log.mirrorErrors).toHaveLength(1);
    expect(log.mirrorErrors[0]).not.toContain('s3cret-pw');
  });
});
