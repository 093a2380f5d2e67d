// End to end: the Kratos fixture (MySQL schema + seed rows + a few realistic rows) through `kratos run`
// into the Kratos PostgreSQL schema, with password-protected logins on both sides; and a dirty source
// that `check` must stop before anything is written.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPgRole,
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  type TestMysqlDb,
  type TestPgDb,
  testServers,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const fixtures = fixtureSet('kratos');

const NID = '11111111-1111-4111-8111-111111111111';
const IDENTITY_1 = '22222222-2222-4222-8222-000000000001';
const IDENTITY_2 = '22222222-2222-4222-8222-000000000002';
const PASSWORD_TYPE = '78c1b41d-8341-4507-aa60-aff1d4369670';
const DIRTY_FLOW = '44444444-4444-4444-8444-000000000002';

const SEED = `
INSERT INTO networks VALUES ('${NID}', '2025-01-01 10:00:00', '2025-01-01 10:00:00');
INSERT INTO identities (id, schema_id, traits, created_at, updated_at, nid, state, metadata_public) VALUES
  ('${IDENTITY_1}', 'default', '{"email":"zoë@example.org","name":{"first":"Zoë","last":"O''Brien"}}',
   '2025-01-01 10:00:01', '2025-01-01 10:00:01', '${NID}', 'active', NULL),
  ('${IDENTITY_2}', 'default', '{"email":"tab\\\\there@example.org","note":"line\\\\nbreak 🦄"}',
   '2025-01-01 10:00:02', '2025-01-01 10:00:02', '${NID}', 'inactive', '{"plan":"free"}');
INSERT INTO identity_credentials VALUES
  ('33333333-3333-4333-8333-000000000001', '{"hashed_password":"$2a$12$abcdefghijklmnopqrstuv"}',
   '${PASSWORD_TYPE}', '${IDENTITY_1}', '2025-01-01 10:00:03', '2025-01-01 10:00:03', '${NID}', 0);
INSERT INTO identity_credential_identifiers VALUES
  ('33333333-3333-4333-8333-000000000011', 'zoë@example.org', '33333333-3333-4333-8333-000000000001',
   '2025-01-01 10:00:03', '2025-01-01 10:00:03', '${NID}', '${PASSWORD_TYPE}');
INSERT INTO identity_verifiable_addresses VALUES
  ('55555555-5555-4555-8555-000000000001', 'completed', 'email', 1, 'zoë@example.org', '2025-01-02 00:00:00',
   '${IDENTITY_1}', '2025-01-01 10:00:04', '2025-01-01 10:00:04', '${NID}'),
  ('55555555-5555-4555-8555-000000000002', 'pending', 'email', 0, 'tab@example.org', NULL,
   '${IDENTITY_2}', '2025-01-01 10:00:04', '2025-01-01 10:00:04', '${NID}');
INSERT INTO sessions (id, issued_at, expires_at, authenticated_at, identity_id, created_at, updated_at, token,
  active, nid, logout_token, aal, authentication_methods) VALUES
  ('66666666-6666-4666-8666-000000000001', '2025-01-01 10:00:05', '2025-01-02 10:00:05', '2025-01-01 10:00:05',
   '${IDENTITY_1}', '2025-01-01 10:00:05', '2025-01-01 10:00:05', 'ory_st_token1', 1, '${NID}', 'ory_lo_1', 'aal1',
   '[{"method":"password","aal":"aal1"}]');
INSERT INTO selfservice_login_flows (id, request_url, expires_at, active_method, csrf_token, created_at,
  updated_at, nid, internal_context, ui) VALUES
  ('44444444-4444-4444-8444-000000000001', 'https://kratos.example.org/self-service/login/browser?return_to=%2F',
   '2025-01-01 11:00:00', 'password', 'csrf-1', '2025-01-01 10:00:06', '2025-01-01 10:00:06', '${NID}', '{}',
   '{"nodes":[]}');
INSERT INTO schema_migration VALUES ('20240101000000000000', 0);
`;

async function loadSource(db: TestMysqlDb, extra = ''): Promise<void> {
  await loadFixtureSource(db, fixtures);
  await db.conn.query(SEED + extra);
}

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function kratos(argv: string[], cwd: string): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env: {},
    cwd,
    io: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
  });
  return { code, stdout, stderr };
}

interface AuditEvent {
  runId: string;
  status: string;
  step?: string;
  message: string;
  rows?: number;
}

function readAuditLog(file: string): { migration_runs: AuditEvent[] } {
  return JSON.parse(readFileSync(file, 'utf8')) as { migration_runs: AuditEvent[] };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function targetRowCounts(db: TestPgDb): Promise<Record<string, number>> {
  const tables = await db.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM public."${name}"`);
    counts[name] = Number(row?.n);
  }
  return counts;
}

describe.skipIf(!fixtures.present)('kratos run (Kratos fixture, password logins on both sides)', () => {
  const source = useMysqlDatabase((db) => loadSource(db));
  const target = usePgDatabase((db) => loadFixtureTarget(db, fixtures));
  const mysqlPassword = `My-${randomBytes(6).toString('hex')}!`;
  const mysqlUser = `conv_t_${randomBytes(4).toString('hex')}`;
  let pgRole: Awaited<ReturnType<typeof createPgRole>>;

  beforeAll(async () => {
    // The test connection is the server's admin: it can create a login with a password for this test.
    await source.query('CREATE USER ?@? IDENTIFIED BY ?', [mysqlUser, '%', mysqlPassword]);
    await source.query('GRANT ALL PRIVILEGES ON *.* TO ?@?', [mysqlUser, '%']);
    pgRole = await createPgRole(testServers().pg, { superuser: true });
  });
  afterAll(async () => {
    await source.query('DROP USER IF EXISTS ?@?', [mysqlUser, '%']).catch(() => {});
    await pgRole?.drop();
  });

  it('moves every table, verifies them equal, logs the run and reports schema_migration as skipped', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kratos-run-'));
    const mysqlUrl = new URL(source.url);
    mysqlUrl.username = mysqlUser;
    mysqlUrl.password = encodeURIComponent(mysqlPassword);
    const res = await kratos(
      ['run', '--mysql-url', mysqlUrl.toString(), '--pg-url', pgRole.urlFor(target.name), '--json'],
      cwd,
    );
    if (res.code !== 0) console.error(res.stderr);
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout) as {
      ok: boolean;
      runId: string;
      exportDir: string;
      auditLog: string;
      skipped: { table: string; reason: string }[];
      verify: {
        ok: boolean;
        tables: { table: string; sourceRows: number; countMatch: boolean; checksumMatch: boolean | null }[];
      };
    };
    expect(result.ok).toBe(true);

    // Every Kratos table but the migration history is loaded and verified equal, networks included.
    const sourceTables = await source.query<{ name: string }[]>(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'schema_migration'",
    );
    const verified = result.verify.tables.map((t) => t.table).sort();
    expect(verified).toEqual(sourceTables.map((r) => r.name).sort());
    expect(verified).toContain('networks');
    for (const t of result.verify.tables) {
      expect(t.countMatch, t.table).toBe(true);
      expect(t.checksumMatch, t.table).toBe(true);
    }
    expect(result.skipped.map((s) => s.table)).toEqual(['schema_migration']);

    // The rows really are in PostgreSQL, as they were.
    const counts = await targetRowCounts(target);
    expect(counts['networks']).toBe(1);
    expect(counts['identities']).toBe(2);
    expect(counts['identity_credential_types']).toBe(7);
    expect(counts['schema_migration']).toBe(0);
    const [identity] = await target.query<{ traits: { name: { last: string } }; active: boolean }>(
      'SELECT traits FROM identities WHERE id = $1',
      [IDENTITY_1],
    );
    expect(identity?.traits.name.last).toBe("O'Brien");
    const [session] = await target.query<{ active: boolean }>('SELECT active FROM sessions');
    expect(session?.active).toBe(true);

    // The audit log holds the run, step by step.
    const log = readAuditLog(result.auditLog);
    const events = log.migration_runs.filter((e) => e.runId === result.runId);
    expect(events.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`)).toEqual([
      'started',
      'in_progress:plan',
      'in_progress:check',
      'in_progress:migrate',
      'in_progress:verify',
      'completed',
    ]);
    expect(events.find((e) => e.step === 'migrate')?.rows).toBeGreaterThan(0);

    // No password anywhere: output, audit log, manifest, CSV files, import script and log.
    const written = [result.auditLog, ...filesUnder(result.exportDir)];
    expect(written.some((f) => f.endsWith('migration_manifest.json'))).toBe(true);
    for (const text of [res.stdout, res.stderr, ...written.map((f) => readFileSync(f, 'utf8'))]) {
      expect(text).not.toContain(mysqlPassword);
      expect(text).not.toContain(encodeURIComponent(mysqlPassword));
      expect(text).not.toContain(pgRole.password);
    }
  });
});

describe.skipIf(!fixtures.present)(
  'kratos check / run on a source with a NULL bound for a NOT NULL column',
  () => {
    const source = useMysqlDatabase((db) =>
      loadSource(
        db,
        `INSERT INTO selfservice_login_flows (id, request_url, expires_at, active_method, csrf_token, created_at,
        updated_at, nid, internal_context) VALUES ('${DIRTY_FLOW}', NULL, '2025-01-01 11:00:00', 'password',
        'csrf-2', '2025-01-01 10:00:07', '2025-01-01 10:00:07', '${NID}', '{}');`,
      ),
    );
    const target = usePgDatabase((db) => loadFixtureTarget(db, fixtures));

    function expectNamesTheRow(text: string): void {
      expect(text).toContain('selfservice_login_flows');
      expect(text).toContain('request_url');
      expect(text).toContain(DIRTY_FLOW);
    }

    it('`kratos check` exits 3 naming table, column and key', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'kratos-check-'));
      const res = await kratos(['check', '--mysql-url', source.url, '--pg-url', target.url], cwd);
      expect(res.code).toBe(3);
      expectNamesTheRow(res.stdout);
    });

    it('`kratos run` stops before writing: target empty, no export, failure logged with the reason', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'kratos-dirty-run-'));
      const res = await kratos(['run', '--mysql-url', source.url, '--pg-url', target.url], cwd);
      expect(res.code).toBe(3);
      expectNamesTheRow(res.stdout);
      expect(res.stderr).toContain('nothing was written to PostgreSQL');

      const counts = await targetRowCounts(target);
      expect(Object.keys(counts).length).toBeGreaterThan(20);
      expect(Object.values(counts).every((n) => n === 0)).toBe(true);
      expect(readdirSync(cwd)).not.toContain('csv_exports');

      const log = readAuditLog(join(cwd, 'migration_log.json'));
      const statuses = log.migration_runs.map((e) => `${e.status}${e.step ? `:${e.step}` : ''}`);
      expect(statuses).toEqual(['started', 'in_progress:plan', 'failed']);
      const failed = log.migration_runs.at(-1)!;
      expect(failed.message).toContain('check found');
      expect(failed.message).toContain('selfservice_login_flows.request_url');
    });
  },
);
