// End to end: the real Alkemio MySQL schema and data (with the legacy challenge/opportunity tables) through
// `alkemio run` into the Alkemio PostgreSQL baseline schema: every table verified equal, the audit log
// holding the run, the skipped tables reported, the profile's transforms applied.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const fixtures = fixtureSet('alkemio');

// The fixture's virtual contributor, and interactions that name it by nameID (legacy) and by id.
const VC_ID = 'ed668f85-00fc-428c-88df-6d48e7686aa6';
const VC_NAME_ID = 'guidance';
const WHITEBOARD_ID = 'aaaaaaaa-0000-4000-8000-000000000001';
const DEFAULTS_ID = 'aaaaaaaa-0000-4000-8000-000000000002';
// zlib output held in a text column the way the application stored it: one character per byte.
const ZLIB_TEXT = deflateSync(Buffer.from('{"type":"excalidraw","elements":[{"id":"ä"}]}')).toString(
  'latin1',
);

interface AuditEvent {
  runId: string;
  status: string;
  step?: string;
  message: string;
}

describe.skipIf(!fixtures.present)('alkemio run (Alkemio fixture)', () => {
  const source = useMysqlDatabase(async (db) => {
    await loadFixtureSource(db, fixtures);
    await db.query(
      `INSERT INTO vc_interaction (id, version, threadID, virtualContributorID, externalMetadata) VALUES
        ('bbbbbbbb-0000-4000-8000-000000000001', 1, 'thread-1', ?, '{}'),
        ('bbbbbbbb-0000-4000-8000-000000000002', 1, 'thread-2', ?, '{}')`,
      [VC_NAME_ID, VC_ID],
    );
    await db.query(
      `INSERT INTO whiteboard (id, version, nameID, content, contentUpdatePolicy, previewSettings)
       VALUES (?, 1, 'wb-1', ?, 'contributors', '{}')`,
      [WHITEBOARD_ID, ZLIB_TEXT],
    );
    await db.query(
      `INSERT INTO callout_contribution_defaults (id, version, whiteboardContent) VALUES (?, 1, ?)`,
      [DEFAULTS_ID, ZLIB_TEXT],
    );
  });
  const target = usePgDatabase((db) => loadFixtureTarget(db, fixtures));

  it('moves and verifies every table, logs the run, reports the skipped tables, applies the transforms', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'alkemio-run-'));
    let stdout = '';
    let stderr = '';
    const code = await main(['run', '--mysql-url', source.url, '--pg-url', target.url, '--json'], {
      env: {},
      cwd,
      io: {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
      },
    });
    if (code !== 0) console.error(stderr);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      ok: boolean;
      runId: string;
      auditLog: string;
      exportDir: string;
      skipped: { table: string; reason: string; expected: boolean }[];
      verify: {
        tables: { table: string; sourceRows: number; countMatch: boolean; checksumMatch: boolean | null }[];
      };
    };
    expect(result.ok).toBe(true);
    expect(result.auditLog).toBe(join(cwd, 'migration_log.json'));
    expect(result.exportDir.startsWith(join(cwd, 'csv_exports', 'alkemio'))).toBe(true);

    // Skipped: history, cache, and the legacy tables — all expected by the profile.
    const skipped = Object.fromEntries(result.skipped.map((s) => [s.table, s]));
    expect(Object.keys(skipped).sort()).toEqual([
      'challenge',
      'migrations_typeorm',
      'opportunity',
      'query-result-cache',
    ]);
    expect(skipped['challenge']).toMatchObject({ reason: 'missing-in-target', expected: true });
    expect(skipped['migrations_typeorm']).toMatchObject({ reason: 'migration-history', expected: true });
    expect(skipped['query-result-cache']).toMatchObject({ reason: 'cache', expected: true });

    // Every other source table was verified equal: counts and content checksums.
    const sourceTables = await source.query<{ name: string }[]>(
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
    );
    const expectedTables = sourceTables.map((r) => r.name).filter((n) => !(n in skipped));
    expect(expectedTables.length).toBeGreaterThan(70);
    expect(result.verify.tables.map((t) => t.table).sort()).toEqual(expectedTables.sort());
    for (const t of result.verify.tables) {
      expect(t.countMatch, t.table).toBe(true);
      expect(t.checksumMatch, t.table).toBe(true);
    }
    const [users] = await source.query<{ n: number }[]>('SELECT count(*) AS n FROM `user`');
    const [pgUsers] = await target.query<{ n: string }>('SELECT count(*) AS n FROM "user"');
    expect(Number(pgUsers?.n)).toBe(Number(users?.n));
    expect(Number(users?.n)).toBeGreaterThan(0);

    // vc_interaction: the nameID was resolved to the virtual contributor's id; the source is unchanged.
    const interactions = await target.query<{ id: string; virtualContributorID: string }>(
      'SELECT id, "virtualContributorID" FROM vc_interaction ORDER BY id',
    );
    expect(interactions.map((r) => r.virtualContributorID)).toEqual([VC_ID, VC_ID]);
    const [stillNameId] = await source.query<{ v: string }[]>(
      "SELECT virtualContributorID AS v FROM vc_interaction WHERE id = 'bbbbbbbb-0000-4000-8000-000000000001'",
    );
    expect(stillNameId?.v).toBe(VC_NAME_ID);

    // whiteboard content: base64 of exactly the bytes the source column holds.
    const [bytes] = await source.query<{ hex: string }[]>(
      'SELECT HEX(content) AS hex FROM whiteboard WHERE id = ?',
      [WHITEBOARD_ID],
    );
    const [board] = await target.query<{ content: string }>('SELECT content FROM whiteboard WHERE id = $1', [
      WHITEBOARD_ID,
    ]);
    expect(board?.content).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(board!.content, 'base64').toString('hex').toUpperCase()).toBe(bytes?.hex);
    const defaults = await target.query<{ id: string; whiteboardContent: string | null }>(
      'SELECT id, "whiteboardContent" FROM callout_contribution_defaults',
    );
    const carried = defaults.find((d) => d.id === DEFAULTS_ID);
    expect(carried?.whiteboardContent).toBe(board?.content);
    expect(defaults.filter((d) => d.id !== DEFAULTS_ID).every((d) => d.whiteboardContent === null)).toBe(
      true,
    );

    // The audit log holds the whole run.
    const log = JSON.parse(readFileSync(result.auditLog, 'utf8')) as { migration_runs: AuditEvent[] };
    const events = log.migration_runs.filter((e) => e.runId === result.runId);
    expect(events.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`)).toEqual([
      'started',
      'in_progress:plan',
      'in_progress:check',
      'in_progress:migrate',
      'in_progress:verify',
      'completed',
    ]);
    expect(events[1]?.message).toContain('challenge');
  });
});
