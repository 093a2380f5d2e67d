import type { MigrationPlan, SourceCatalog, TargetCatalog } from '@conv/core';
import {
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { conversionFor, introspectMysql, introspectPg, planMigration } from '../src/index.js';

const fixtures = fixtureSet('kratos');

/** Derived by reading both Kratos v1.3.1 schema dumps: nullable in MySQL, NOT NULL in PostgreSQL. */
const NULLABLE_TO_NOT_NULL = [
  'identity_credential_identifiers.identifier',
  'identity_login_codes.selfservice_login_flow_id',
  'identity_recovery_codes.selfservice_recovery_flow_id',
  'identity_recovery_tokens.token',
  'identity_registration_codes.selfservice_registration_flow_id',
  'selfservice_login_flows.request_url',
  'selfservice_recovery_flows.request_url',
  'selfservice_registration_flows.request_url',
  'selfservice_settings_flows.request_url',
  'selfservice_verification_flows.request_url',
];

describe.skipIf(!fixtures.present)('Kratos fixtures (MariaDB schema + seed rows, PostgreSQL schema)', () => {
  const my = useMysqlDatabase((db) => loadFixtureSource(db, fixtures));
  const pgdb = usePgDatabase((db) => loadFixtureTarget(db, fixtures));
  let source: SourceCatalog;
  let target: TargetCatalog;
  let plan: MigrationPlan;

  beforeAll(async () => {
    source = await introspectMysql(my.conn, my.name);
    target = await introspectPg(pgdb.url); // by URL: opens and closes its own client
    plan = planMigration(source, target);
  });

  it('plans all 26 tables; schema_migration is history, exported but not loaded', () => {
    expect(source.tables).toHaveLength(26);
    expect(plan.tables).toHaveLength(26);
    const history = plan.tables.find((t) => t.source === 'schema_migration')!;
    expect(history).toMatchObject({ action: 'export-only', skipReason: 'migration-history' });
    // No PK: the NOT NULL unique key names its rows.
    expect(history.rowKey).toEqual(['version']);
    expect(plan.loadOrder).toHaveLength(25);
    expect(plan.loadOrder).not.toContain('schema_migration');
    expect(plan.loadOrder.indexOf('networks')).toBeLessThan(plan.loadOrder.indexOf('identities'));
    expect(plan.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('keeps identity_login_codes.address_type char(36) → character(36) as text', () => {
    const pair = plan.tables
      .find((t) => t.source === 'identity_login_codes')!
      .columns.find((c) => c.source === 'address_type')!;
    expect(pair).toMatchObject({
      sourceType: 'char(36)',
      targetType: 'character(36)',
      targetBaseType: 'bpchar',
      conversion: 'text',
      targetMaxLength: 36,
    });
  });

  it('maps selfservice_verification_flows.session_id varchar(36) → uuid as a UUID', () => {
    const pair = plan.tables
      .find((t) => t.source === 'selfservice_verification_flows')!
      .columns.find((c) => c.source === 'session_id')!;
    expect(pair).toMatchObject({ sourceType: 'varchar(36)', targetType: 'uuid', conversion: 'uuid' });
  });

  it('lists the ten columns nullable in MySQL and NOT NULL in PostgreSQL', () => {
    const reported = plan.issues
      .filter((i) => i.code === 'nullable-to-not-null')
      .map((i) => `${i.table}.${i.column}`)
      .sort();
    expect(reported).toEqual(NULLABLE_TO_NOT_NULL);
    // The same list, straight from the two catalogs.
    const fromCatalogs: string[] = [];
    for (const t of source.tables) {
      const tt = target.tables.find((x) => x.name === t.name)!;
      for (const c of t.columns) {
        const tc = tt.columns.find((x) => x.name === c.name);
        if (tc && c.nullable && !tc.nullable) fromCatalogs.push(`${t.name}.${c.name}`);
      }
    }
    expect(fromCatalogs.sort()).toEqual(NULLABLE_TO_NOT_NULL);
  });

  it('detects MariaDB JSON columns and maps them to json/jsonb by target', () => {
    const payload = source.tables
      .find((t) => t.name === 'continuity_containers')!
      .columns.find((c) => c.name === 'payload')!;
    expect(payload).toMatchObject({ dataType: 'longtext', isJson: true });
    const tcol = target.tables
      .find((t) => t.name === 'continuity_containers')!
      .columns.find((c) => c.name === 'payload')!;
    expect(conversionFor(payload, tcol)).toBe(tcol.baseType === 'jsonb' ? 'jsonb' : 'json');
  });

  it('reads the target keys and FKs with their definitions', () => {
    const identities = target.tables.find((t) => t.name === 'identities')!;
    expect(identities.primaryKey).toEqual(['id']);
    const fk = identities.foreignKeys.find((f) => f.refTable === 'networks')!;
    expect(fk.columns).toEqual(['nid']);
    expect(fk.definition).toMatch(/^FOREIGN KEY \(nid\) REFERENCES (public\.)?networks\(id\)/);
    const types = source.tables.find((t) => t.name === 'identity_credential_types')!;
    expect(types.uniqueKeys.length + types.primaryKey.length).toBeGreaterThan(0);
  });
});
