// Must show: the Kratos fixture round trip, including tables whose rows reference tables loaded after
// them in the export (continuity_containers → identities,
// identity_credential_identifiers → identity_credentials …), as a non-superuser that owns the schema.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationPlan } from '@conv/core';
import { exportDatabase } from '@conv/mysql-export';
import { introspectMysql, introspectPg, planMigration } from '@conv/schema-introspect';
import {
  createPgRole,
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  testServers,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImportResult, importDirectory } from '../src/index.js';
import { removeDir } from './helpers.js';
import { compareTable } from './roundtrip.js';

const fixtures = fixtureSet('kratos');

const NID = '4a5a3b1c-2d3e-4f50-8a6b-7c8d9e0f1a2b';
const ID1 = 'b1a2c3d4-0001-4000-8000-000000000001';
const ID2 = 'b1a2c3d4-0002-4000-8000-000000000002';
const CRED1 = 'c1a2c3d4-0001-4000-8000-000000000001';
const SESS1 = 'd1a2c3d4-0001-4000-8000-000000000001';
const MSG1 = 'e1a2c3d4-0001-4000-8000-000000000001';
const PASSWORD_TYPE = '78c1b41d-8341-4507-aa60-aff1d4369670';

// Rows with the awkward values of Kratos: JSON, tinyint(1) → boolean, blob → bytea, NULLs, '' and line breaks.
const DATA = `
INSERT INTO networks VALUES ('${NID}', '2024-01-01 00:00:00', '2024-01-01 00:00:00');
INSERT INTO identities (id, schema_id, traits, created_at, updated_at, nid, state, state_changed_at, metadata_public, metadata_admin, available_aal, organization_id) VALUES
  ('${ID1}', 'default', '{"email": "ann@example.org", "name": {"first": "Ann", "last": "O\\\\"Neil"}}', '2024-01-02 10:00:00', '2024-01-03 11:00:00', '${NID}', 'active', NULL, '{"a": [1, 2.5, null]}', NULL, 'aal1', NULL),
  ('${ID2}', 'default', '{"email": "bob@example.org", "bio": "line1\\\\nline2 – ünïcödé 🎉"}', '2024-01-02 10:00:01', '2024-01-02 10:00:01', '${NID}', 'inactive', '2024-02-02 02:02:02', NULL, '{}', NULL, NULL);
INSERT INTO identity_credentials VALUES ('${CRED1}', '{"hashed_password": "$2a$12$abc"}', '${PASSWORD_TYPE}', '${ID1}', '2024-01-02 10:00:00', '2024-01-02 10:00:00', '${NID}', 0);
INSERT INTO identity_credential_identifiers VALUES ('f1a2c3d4-0001-4000-8000-000000000001', 'ann@example.org', '${CRED1}', '2024-01-02 10:00:00', '2024-01-02 10:00:00', '${NID}', '${PASSWORD_TYPE}');
INSERT INTO identity_verifiable_addresses VALUES
  ('a7a2c3d4-0001-4000-8000-000000000001', 'completed', 'email', 1, 'ann@example.org', '2024-01-02 12:00:00', '${ID1}', '2024-01-02 10:00:00', '2024-01-02 12:00:00', '${NID}'),
  ('a7a2c3d4-0002-4000-8000-000000000002', 'pending', 'email', 0, 'bob@example.org', NULL, '${ID2}', '2024-01-02 10:00:01', '2024-01-02 10:00:01', '${NID}');
INSERT INTO continuity_containers VALUES ('a8a2c3d4-0001-4000-8000-000000000001', '${ID1}', 'ory_kratos_settings', '{"flow": "x"}', '2030-01-01 00:00:00', '2024-01-02 10:00:00', '2024-01-02 10:00:00', '${NID}');
INSERT INTO sessions (id, issued_at, expires_at, authenticated_at, identity_id, created_at, updated_at, token, active, nid, logout_token, aal, authentication_methods) VALUES
  ('${SESS1}', '2024-01-02 10:00:00', '2024-01-03 10:00:00', '2024-01-02 10:00:00', '${ID1}', '2024-01-02 10:00:00', '2024-01-02 10:00:00', 'ory_st_abc', 1, '${NID}', 'ory_lo_abc', 'aal1', '[{"method": "password"}]');
INSERT INTO session_devices VALUES ('a9a2c3d4-0001-4000-8000-000000000001', '127.0.0.1', 'Mozilla/5.0 "quoted", comma', '', '${SESS1}', '${NID}', '2024-01-02 10:00:00', '2024-01-02 10:00:00');
INSERT INTO courier_messages VALUES ('${MSG1}', 1, 2, 'Hello,\\r\\nworld', 'Subject', 'ann@example.org', '2024-01-02 10:00:00', '2024-01-02 10:00:00', 'verification_valid', X'00FF7B2261223A317D0A', '${NID}', 1, 'email');
INSERT INTO courier_message_dispatches VALUES ('aaa2c3d4-0001-4000-8000-000000000001', '${MSG1}', 'failed', '{"reason": "smtp"}', '${NID}', '2024-01-02 10:00:00', '2024-01-02 10:00:00');
`;

describe.skipIf(!fixtures.present)(
  'Kratos fixture round trip: MariaDB → export → importDirectory → PostgreSQL',
  () => {
    const my = useMysqlDatabase(async (db) => {
      await loadFixtureSource(db, fixtures);
      await db.query(DATA);
    });
    const pg = usePgDatabase((db) => loadFixtureTarget(db, fixtures));
    const out = mkdtempSync(join(tmpdir(), 'conv-pgl-kratos-'));
    let owner: Awaited<ReturnType<typeof createPgRole>>;
    let plan: MigrationPlan;
    let manifestOrder: string[];
    let result: ImportResult;

    beforeAll(async () => {
      // The application's role owns its tables (as on a managed PostgreSQL): no superuser anywhere.
      owner = await createPgRole(testServers().pg);
      const tables = await pg.query<{ t: string }>(
        `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`,
      );
      for (const { t } of tables) await pg.query(`ALTER TABLE public."${t}" OWNER TO "${owner.name}"`);
      plan = planMigration(await introspectMysql(my.url), await introspectPg(pg.client));
      const exported = await exportDatabase({ mysqlUrl: my.url, plan, outDir: out, app: 'kratos' });
      manifestOrder = exported.manifest.tables.map((t) => t.table);
      result = await importDirectory({ pgUrl: owner.urlFor(pg.name), dir: exported.dir });
    });
    afterAll(async () => {
      removeDir(out);
      await pg.query(`REASSIGN OWNED BY "${owner.name}" TO CURRENT_USER; DROP OWNED BY "${owner.name}"`);
      await owner.drop();
    });

    it('the export lists tables whose rows reference tables that come after them', async () => {
      const fks = await pg.query<{ child: string; parent: string }>(
        `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
         FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid`,
      );
      const forward = fks.filter((fk) => manifestOrder.indexOf(fk.child) < manifestOrder.indexOf(fk.parent));
      expect(forward.map((fk) => `${fk.child}→${fk.parent}`)).toContain('continuity_containers→identities');
    });

    it('loads every Kratos table except its migration history, with drop-recreate as the owner', () => {
      expect(result.strategy).toBe('drop-recreate');
      expect(result.skipped.map((s) => [s.table, s.reason])).toEqual([
        ['schema_migration', 'migration-history'],
      ]);
      expect(result.loaded).toHaveLength(25);
      expect(result.checkedForeignKeys).toBeGreaterThan(40);
      const rows = Object.fromEntries(result.loaded.map((t) => [t.table, t.rows]));
      expect(rows).toMatchObject({
        identities: 2,
        identity_credential_types: 7,
        continuity_containers: 1,
        sessions: 1,
      });
    });

    it('every value of every row equals the source under the value rules', async () => {
      const diffs = [];
      for (const table of plan.tables.filter((t) => t.action === 'load')) {
        const diff = await compareTable(my, pg, 'public', table);
        if (diff.sourceRows !== diff.targetRows || diff.onlyInSource.length || diff.onlyInTarget.length)
          diffs.push(diff);
      }
      expect(diffs).toEqual([]);
    });

    it('foreign keys are back and validated', async () => {
      const [row] = await pg.query<{ total: string; invalid: string }>(
        `SELECT count(*)::text AS total, count(*) FILTER (WHERE NOT convalidated)::text AS invalid
         FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
      );
      expect(Number(row!.total)).toBe(result.checkedForeignKeys);
      expect(row!.invalid).toBe('0');
    });
  },
);
