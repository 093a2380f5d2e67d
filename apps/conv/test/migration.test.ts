// runMigration: the runbook as a library call, connection settings passed once, events instead of output.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { type MigrationEvent, runMigration } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('runMigration', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });
  const second = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });

  it.each([
    ['migrate', undefined, ['migrate', 'verify']],
    ['export-import', 'export-import', ['export', 'import', 'verify']],
  ] as const)(
    'runs the whole runbook from two URLs (%s), reports per-table events, logs and writes the report',
    async (_name, via, steps) => {
      const cwd = tempDir();
      const events: MigrationEvent[] = [];
      const result = await runMigration({
        mysqlUrl: source.url,
        pgUrl: (via ? second : target).url,
        app: 'platform',
        cwd,
        ...(via ? { via } : {}),
        onEvent: (e) => events.push(e),
      });
      expect(result.ok, JSON.stringify(result.error)).toBe(true);
      expect(result.verify?.totals.sourceRows).toBe(160);
      const finished = events.flatMap((e) =>
        e.type === 'table' && e.phase === 'finish' ? [`${e.step}:${e.table}`] : [],
      );
      const moved = new Set(finished.map((f) => f.split(':')[0]));
      expect(['export', 'import', 'migrate', 'verify'].filter((s) => moved.has(s))).toEqual([...steps]);
      for (const step of steps)
        expect(finished.filter((f) => f.startsWith(`${step}:`)).sort()).toEqual([
          `${step}:account`,
          `${step}:post`,
        ]);
      const summary = via ? 'Imported 2 tables, 160 rows' : 'Migrated 2 tables, 160 rows';
      expect(events.some((e) => e.type === 'text' && e.text.startsWith(summary))).toBe(true);
      const log = await readAuditLog(join(cwd, 'migration_log.json'));
      expect(log.migration_runs.map((e) => e.status).at(-1)).toBe('completed');
      expect(log.migration_runs.every((e) => e.app === 'platform' && e.runId === result.runId)).toBe(true);
      expect(result.report && existsSync(result.report.html)).toBe(true);
    },
  );

  it('rejects invalid options with a ConvError naming them (exit 2)', async () => {
    await expect(runMigration({ mysqlUrl: 'nope', pgUrl: target.url, cwd: tempDir() })).rejects.toMatchObject(
      {
        exitCode: 2,
      },
    );
  });
});
