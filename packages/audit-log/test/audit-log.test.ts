import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONV_VERSION, ConvError } from '@conv/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEventInput, newRunId, openAuditLog, readAuditLog } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conv-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TRICKY =
  'He said "stop"\nthen left;\ttab, back\\slash, \r\nCRLF, \u00e9t\u00e9 — 日本語 😀 {"json": [1]} \\N';

describe('openAuditLog().append', () => {
  it('stores a complete event: run id, UTC timestamp, status, message, host, user, version, step fields', async () => {
    const file = join(dir, 'fields', 'migration_log.json');
    const runId = newRunId();
    const log = openAuditLog({ file, now: () => new Date('2026-11-24T07:04:05.678Z') });
    const event = await log.append({
      runId,
      status: 'started',
      message: 'export',
      step: 'export',
      app: 'alkemio',
      tables: ['user', 'space'],
      rows: 1050,
      bytes: 123456,
      durationMs: 789,
    });
    expect(event).toMatchObject({
      runId,
      timestamp: '2026-11-24T07:04:05.678Z',
      status: 'started',
      host: hostname(),
      toolVersion: CONV_VERSION,
      pid: process.pid,
      tables: ['user', 'space'],
      rows: 1050,
    });
    expect(event.user.length).toBeGreaterThan(0);
    const raw = JSON.parse(await readFile(file, 'utf8'));
    expect(raw).toEqual({ migration_runs: [event] });
  });

  it('stores a message with quotes, newlines and non-ASCII characters exactly', async () => {
    const file = join(dir, 'exact.json');
    const log = openAuditLog({ file });
    await log.append({ runId: 'r1', status: 'completed', message: TRICKY });
    const raw = JSON.parse(await readFile(file, 'utf8')) as { migration_runs: { message: string }[] };
    expect(raw.migration_runs[0]?.message).toBe(TRICKY);
    expect((await readAuditLog(file)).migration_runs[0]?.message).toBe(TRICKY);
  });

  it('rejects a status outside started/in_progress/completed/rolled_back/failed and writes nothing', async () => {
    const file = join(dir, 'invalid.json');
    const log = openAuditLog({ file });
    for (const status of ['done', 'COMPLETED', '', 'success']) {
      const err = await log
        .append({ runId: 'r', status } as unknown as AuditEventInput)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConvError);
      expect((err as ConvError).code).toBe('audit.status');
      expect((err as ConvError).message).toContain(JSON.stringify(status));
      expect((err as ConvError).message).toContain('rolled_back');
    }
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects negative counts and an empty run id', async () => {
    const log = openAuditLog({ file: join(dir, 'bad-fields.json') });
    await expect(log.append({ runId: 'r', status: 'completed', rows: -1 })).rejects.toThrow(/rows/);
    await expect(log.append({ runId: '', status: 'completed' })).rejects.toThrow(/runId/);
  });

  it('keeps the old script’s entries untouched and appends after them', async () => {
    const file = join(dir, 'legacy.json');
    const legacy = { timestamp: '2024-05-01 10:00:00', status: 'completed', message: 'Migration finished' };
    await writeFile(file, JSON.stringify({ migration_runs: [legacy] }, null, 2));
    await openAuditLog({ file }).append({ runId: 'r2', status: 'started' });
    const contents = await readAuditLog(file);
    expect(contents.foreign).toEqual([{ index: 0, entry: legacy }]);
    expect(contents.migration_runs.map((e) => e.runId)).toEqual(['r2']);
    expect(JSON.parse(await readFile(file, 'utf8')).migration_runs[0]).toEqual(legacy);
  });

  it('refuses to overwrite a file that is not a migration log, naming the file', async () => {
    const file = join(dir, 'corrupt.json');
    await writeFile(file, '{"migration_runs": [ {"trunc');
    await expect(openAuditLog({ file }).append({ runId: 'r', status: 'failed' })).rejects.toThrow(file);
    expect(await readFile(file, 'utf8')).toBe('{"migration_runs": [ {"trunc');
  });

  it('redacts a password pasted into a message', async () => {
    const log = openAuditLog({ file: join(dir, 'redact.json') });
    const event = await log.append({
      runId: 'r',
      status: 'failed',
      message: 'cannot reach mysql://root:hunter2@db:3306/alkemio',
    });
    expect(event.message).not.toContain('hunter2');
    expect(event.message).toContain('mysql://root:***@db:3306/alkemio');
  });

  it('newRunId sorts by time and is unique', () => {
    const a = newRunId(new Date('2026-11-24T07:04:05Z'));
    expect(a).toMatch(/^20261124T070405Z-[0-9a-f]{8}$/);
    expect(new Set(Array.from({ length: 100 }, () => newRunId())).size).toBe(100);
  });
});
