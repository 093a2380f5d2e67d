import type { MigrationPlan, SourceCatalog, TargetCatalog } from '@conv/core';
import {
  fixtureSet,
  loadFixtureSource,
  loadFixtureTarget,
  useMysqlDatabase,
  usePgDatabase,
} from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMigration, introspectMysql, introspectPg, planMigration } from '../src/index.js';

const fixtures = fixtureSet('alkemio');
const { present } = fixtures;

describe.skipIf(!present)('Alkemio fixtures (MariaDB schema + legacy tables, PostgreSQL baseline)', () => {
  const my = useMysqlDatabase((db) => loadFixtureSource(db, fixtures));
  const pgdb = usePgDatabase((db) => loadFixtureTarget(db, fixtures));
  let source: SourceCatalog;
  let target: TargetCatalog;
  let plan: MigrationPlan;

  beforeAll(async () => {
    source = await introspectMysql(my.url); // by URL: opens and closes its own connection
    target = await introspectPg(pgdb.client);
    plan = planMigration(source, target);
  });

  it('reads 77 + 2 legacy source tables and 77 target tables', () => {
    expect(source.dialect).toBe('mariadb');
    expect(source.database).toBe(my.name);
    expect(source.tables).toHaveLength(79);
    expect(target.tables).toHaveLength(77);
    expect(target.schema).toBe('public');
  });

  it('puts every source table in the plan; legacy tables export-only and missing in the target', () => {
    expect(plan.tables.map((t) => t.source).sort()).toEqual(source.tables.map((t) => t.name).sort());
    for (const name of ['challenge', 'opportunity']) {
      const t = plan.tables.find((p) => p.source === name)!;
      expect(t.action).toBe('export-only');
      expect(t.skipReason).toBe('missing-in-target');
      expect(plan.skipped).toContainEqual(
        expect.objectContaining({ table: name, reason: 'missing-in-target' }),
      );
      expect(plan.issues).toContainEqual(
        expect.objectContaining({ table: name, code: 'missing-in-target', severity: 'warning' }),
      );
      expect(plan.loadOrder).not.toContain(name);
    }
  });

  it('keeps migrations_typeorm (history) and query-result-cache (cache) out of the load by default', () => {
    const history = plan.tables.find((t) => t.source === 'migrations_typeorm')!;
    const cache = plan.tables.find((t) => t.source === 'query-result-cache')!;
    expect(history).toMatchObject({ action: 'export-only', skipReason: 'migration-history' });
    expect(cache).toMatchObject({ action: 'export-only', skipReason: 'cache' });
    expect(plan.loadOrder).not.toContain('migrations_typeorm');
    expect(plan.loadOrder).not.toContain('query-result-cache');
    const loaded = plan.tables.filter((t) => t.action === 'load');
    expect(loaded).toHaveLength(75);
    expect([...plan.loadOrder].sort()).toEqual(loaded.map((t) => t.target).sort());
    // includeHistory brings them back into the load.
    const all = planMigration(source, target, { includeHistory: true });
    expect(all.loadOrder).toContain('migrations_typeorm');
    expect(all.loadOrder).toContain('query-result-cache');
  });

  it('pairs export-only columns with their natural PostgreSQL type (exact archive)', () => {
    const challenge = plan.tables.find((t) => t.source === 'challenge')!;
    const col = (name: string) => challenge.columns.find((c) => c.source === name)!;
    expect(col('id')).toMatchObject({ sourceType: 'char(36)', targetType: 'text', conversion: 'text' });
    expect(col('createdDate')).toMatchObject({
      sourceType: 'datetime(6)',
      targetType: 'timestamp(6) without time zone',
      conversion: 'timestamp',
    });
    expect(col('rowId')).toMatchObject({ sourceType: 'int', targetType: 'integer', conversion: 'integer' });
    expect(challenge.columns).toHaveLength(source.tables.find((t) => t.name === 'challenge')!.columns.length);
  });

  it('chooses conversions from the target type: uuid, boolean, json, enum, bytea', () => {
    const pairs = plan.tables.flatMap((t) => t.columns.map((c) => ({ table: t.source, ...c })));
    const find = (table: string, column: string) =>
      pairs.find((p) => p.table === table && p.source === column)!;
    expect(find('user', 'id')).toMatchObject({
      sourceType: 'char(36)',
      targetType: 'uuid',
      conversion: 'uuid',
    });
    for (const p of pairs.filter((x) => x.targetBaseType === 'bool')) expect(p.conversion).toBe('boolean');
    // MariaDB JSON = longtext + json_valid CHECK, detected from information_schema.CHECK_CONSTRAINTS.
    const json = pairs.filter((p) => p.conversion === 'json' || p.conversion === 'jsonb');
    expect(json.length).toBeGreaterThan(0);
    for (const p of json) {
      const column = source.tables.find((t) => t.name === p.table)!.columns.find((c) => c.name === p.source)!;
      expect(column.isJson).toBe(true);
      expect(column.dataType).toBe('longtext');
    }
    const profileType = find('profile', 'type');
    expect(profileType.conversion).toBe('enum');
    expect(profileType.targetEnumLabels).toContain('space-about');
    expect(pairs.filter((p) => p.conversion === 'bytea').every((p) => /blob|binary/.test(p.sourceType))).toBe(
      true,
    );
    expect(plan.issues.filter((i) => i.code === 'no-conversion')).toEqual([]);
  });

  it('normalises MariaDB integer display widths and reads serial sequences on the target', () => {
    const all = source.tables.flatMap((t) => t.columns);
    expect(all.some((c) => /^int\(/.test(c.columnType))).toBe(false);
    const rowId = target.tables.find((t) => t.name === 'user')!.columns.find((c) => c.name === 'rowId')!;
    expect(rowId.sequence).toBe('public."user_rowId_seq"');
    expect(rowId.baseType).toBe('int4');
  });

  it('orders the load parents first; every violated FK edge is a reported cycle', () => {
    const position = new Map(plan.loadOrder.map((t, i) => [t, i]));
    const cycles = plan.issues.filter((i) => i.code === 'fk-cycle');
    let violated = 0;
    for (const t of target.tables) {
      if (!position.has(t.name)) continue;
      for (const fk of t.foreignKeys) {
        if (fk.refTable === t.name || !position.has(fk.refTable)) continue;
        if (position.get(fk.refTable)! > position.get(t.name)!) {
          violated++;
          expect(cycles.some((c) => c.table === t.name && c.message.includes(`parent ${fk.refTable}`))).toBe(
            true,
          );
        }
      }
    }
    // Alkemio's only FK cycle: storage_aggregator ↔ storage_bucket; one edge breaks it, nothing downstream.
    expect(violated).toBe(1);
    expect(cycles.map((c) => c.table)).toEqual(['storage_aggregator']);
    expect(position.get('authorization_policy')).toBeLessThan(position.get('space')!);
  });

  it('checks the real data: no orphan, matching an independent LEFT JOIN per FK; then finds a planted one', async () => {
    const clean = await checkMigration({ mysql: my.url, plan, source, target });
    expect(clean.findings.filter((f) => f.count !== null)).toEqual([]);
    let independent = 0;
    for (const t of source.tables) {
      for (const fk of t.foreignKeys) {
        const on = fk.columns.map((c, i) => `p.\`${fk.refColumns[i]}\` = c.\`${c}\``).join(' AND ');
        const set = fk.columns.map((c) => `c.\`${c}\` IS NOT NULL`).join(' AND ');
        const [row] = await my.query<{ n: number }[]>(
          `SELECT COUNT(*) AS n FROM \`${t.name}\` c LEFT JOIN \`${fk.refTable}\` p ON ${on} WHERE ${set} AND p.\`${fk.refColumns[0]}\` IS NULL`,
        );
        independent += Number(row!.n);
      }
    }
    expect(independent).toBe(0);

    // Remove the authorization policy of one account behind MySQL's back: exactly that account is orphaned.
    const [account] = await my.query<{ id: string; authorizationId: string }[]>(
      'SELECT id, authorizationId FROM account ORDER BY id LIMIT 1',
    );
    await my.query(
      'SET FOREIGN_KEY_CHECKS = 0; DELETE FROM authorization_policy WHERE id = ?; SET FOREIGN_KEY_CHECKS = 1',
      [account!.authorizationId],
    );
    // A legacy (export-only) table is scanned too: a NUL byte would stop its export.
    const [legacyRow] = await my.query<{ id: string }[]>('SELECT id FROM challenge ORDER BY id LIMIT 1');
    expect(legacyRow).toBeDefined(); // the data fixture has challenge rows
    await my.query("UPDATE challenge SET settingsStr = CONCAT('a', CHAR(0 USING utf8mb4)) WHERE id = ?", [
      legacyRow!.id,
    ]);
    const dirty = await checkMigration({ mysql: my.url, plan, source, target, sampleSize: 3 });
    const nul = dirty.findings.find((f) => f.code === 'nul-byte' && f.table === 'challenge')!;
    expect(nul).toMatchObject({ column: 'settingsStr', count: 1, samples: [{ key: { id: legacyRow!.id } }] });
    const orphans = dirty.findings.filter((f) => f.code === 'orphan-rows');
    expect(orphans).toHaveLength(1);
    expect(orphans[0]).toMatchObject({
      severity: 'error',
      table: 'account',
      column: 'authorizationId',
      count: 1,
    });
    expect(orphans[0]!.samples).toEqual([{ key: { id: account!.id }, value: account!.authorizationId }]);
    expect(dirty.ok).toBe(false);
  });
});
