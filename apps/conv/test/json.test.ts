// --json: every command, success or failure, prints exactly one document that the published JSON Schema
// (generated from the zod models) accepts; and passwords are masked as passwords, not as names.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { CONV_VERSION, ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { resultJsonSchema } from '../src/result-schema.js';
import { cli, tempDir } from './helpers.js';

const schemaFile = new URL('../schema/conv-result.schema.json', import.meta.url);
const published = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(published);

/** stdout is one JSON document, valid against the schema, with the envelope fields. */
function document(stdout: string, code: number): Record<string, unknown> {
  const doc = JSON.parse(stdout) as Record<string, unknown>;
  const valid = validate(doc);
  expect(valid, JSON.stringify(validate.errors?.slice(0, 3), null, 2)).toBe(true);
  expect(doc).toMatchObject({ ok: code === 0, exitCode: code, convVersion: CONV_VERSION, schemaVersion: 1 });
  return doc;
}

describe('--json documents', () => {
  it('the published schema is the one generated from the zod models (`pnpm --filter @conv/cli schema`)', () => {
    expect(published).toEqual(JSON.parse(JSON.stringify(resultJsonSchema())));
  });

  it('usage and configuration errors are documents too (exit 2)', async () => {
    for (const argv of [['frobnicate', '--json'], ['log', 'finished', '--json'], ['--json']]) {
      const res = await cli(argv);
      expect(res.code).toBe(ExitCode.usage);
      const doc = document(res.stdout, ExitCode.usage);
      expect(doc['error']).toMatchObject({ code: 'cli.usage' });
    }
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'MYSQL_PORT=abc\nCONV_DB=app\n');
    const config = await cli(['check', '--json'], { cwd });
    expect(document(config.stdout, ExitCode.usage)).toMatchObject({
      command: 'check',
      error: { code: 'config.invalid' },
    });
    const refused = await cli(['export', '--json', '--run-id', 'nope'], {
      cwd: tempDir(),
      env: { CONV_DB: 'x' },
    });
    expect(document(refused.stdout, ExitCode.usage)).toMatchObject({
      command: 'export',
      error: { code: 'run.unknown-id' },
    });
  });

  describe('on the generated database', () => {
    const source = useMysqlDatabase(async (db) => {
      await db.conn.query(GENERATED_MYSQL);
      await fillGenerated(db.conn);
    });
    const target = usePgDatabase(async (db) => {
      await db.client.query(GENERATED_PG);
    });
    const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

    it('check, plan, export, import, verify, log and run each print one valid document', async () => {
      const cwd = tempDir();
      for (const cmd of ['check', 'plan', 'run', 'verify']) {
        const res = await cli([cmd, ...urls(), '--json'], { cwd });
        expect(res.code, `${cmd}: ${res.stderr}`).toBe(ExitCode.ok);
        expect(document(res.stdout, 0)['command']).toBe(cmd);
      }
      const exported = await cli(['export', ...urls(), '--json', '--out-dir', 'x'], { cwd });
      const exportDoc = document(exported.stdout, 0);
      const imported = await cli(['import', String(exportDoc['dir']), ...urls(), '--json', '--replace'], {
        cwd,
      });
      const importDoc = document(imported.stdout, 0);
      expect(importDoc['runId']).toEqual(expect.any(String));
      const logged = await cli(['log', 'completed', '--json', '--run-id', String(importDoc['runId'])], {
        cwd,
      });
      expect(document(logged.stdout, 0)).toMatchObject({ command: 'log', status: 'completed' });
      // A failing command: verify after an edit (exit 4) is still one valid document.
      await target.query("UPDATE post SET body = body || '!' WHERE id = 5");
      try {
        const differs = await cli(['verify', ...urls(), '--json'], { cwd });
        expect(document(differs.stdout, ExitCode.verifyMismatch)['command']).toBe('verify');
      } finally {
        await target.query('UPDATE post SET body = left(body, length(body) - 1) WHERE id = 5');
      }
    });

    it('masks a password that equals the role name only as a password; a real password never shows', async () => {
      const my = new URL(source.url);
      const pgu = new URL(target.url);
      const envFile = (password: string) =>
        [
          `MYSQL_HOST=${my.hostname}`,
          `MYSQL_PORT=${my.port || 3306}`,
          `MYSQL_USER=${decodeURIComponent(my.username)}`,
          `MYSQL_PASSWORD=${decodeURIComponent(my.password)}`,
          `POSTGRES_HOST=${pgu.hostname}`,
          `POSTGRES_PORT=${pgu.port || 5432}`,
          'POSTGRES_USER=postgres',
          `POSTGRES_PASSWORD=${password}`,
          `MYSQL_CONV_DATABASE=${source.name}`,
          `POSTGRES_CONV_DATABASE=${target.name}`,
        ].join('\n');
      // The local server trusts the connection, so any password logs in (the test is about printing).
      const weak = tempDir();
      writeFileSync(join(weak, '.env'), envFile('postgres'));
      const run = await cli(['run', '--json', '--replace'], { cwd: weak });
      expect(run.code, run.stderr).toBe(ExitCode.ok);
      const doc = document(run.stdout, 0) as { config: { pgUrl: string } };
      expect(doc.config.pgUrl).toMatch(/^postgres:\/\/postgres:\*\*\*@/);
      const text = await cli(['run', '--replace'], { cwd: weak });
      expect(text.stdout).toContain('role postgres may set session_replication_role');
      expect(text.all).not.toContain('role ***');

      const strong = tempDir();
      writeFileSync(join(strong, '.env'), envFile('Pg-S3cret!'));
      const runs = [
        await cli(['run', '--json', '--replace'], { cwd: strong }),
        await cli(['run', '--replace'], { cwd: strong }),
        await cli(['log', 'completed', 'reached with password Pg-S3cret!'], { cwd: strong }),
      ];
      for (const r of runs) expect(r.all).not.toContain('Pg-S3cret!');
      expect(readFileSync(join(strong, 'migration_log.json'), 'utf8')).not.toContain('Pg-S3cret!');
      const log = await readAuditLog(join(strong, 'migration_log.json'));
      expect(log.migration_runs.at(-1)?.message).toBe('reached with password ***');
    });
  });
});
