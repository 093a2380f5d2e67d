// Issue 16 item 10: every message docs/troubleshooting.md shows is one conv really prints. Each documented
// message is registered below with the test that triggers it; a message added to the doc without a test,
// or a test whose message left the doc, fails the registry test. The real output must match the doc's
// text, where `…` and `<placeholder>` stand for anything and `N` for a number (examples such as `db:3306`
// are replaced by the test's own values first).
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendToFile, openAuditLog } from '@conv/audit-log';
import { ExitCode, MANIFEST_FILE } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

const DOC = readFileSync(new URL('../../../docs/troubleshooting.md', import.meta.url), 'utf8');
const ROOT = new URL('../../../', import.meta.url);

/** The documented message as a pattern: `…`, `<x>` match anything, `N` a number. */
function docPattern(message: string, examples: Record<string, string> = {}): RegExp {
  let text = message;
  for (const [example, actual] of Object.entries(examples)) text = text.replaceAll(example, actual);
  // Whitespace as any whitespace: yargs breaks its messages over lines.
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, '\\s+');
  return new RegExp(
    escaped
      .replace(/…/g, '[\\s\\S]*?')
      .replace(/<[^<>\s]+>/g, '[\\s\\S]*?')
      .replace(/\bN\b/g, '\\d+'),
  );
}

/** Every backticked message in the first column of the doc's `| message | fix |` tables. */
function documentedMessages(): string[] {
  const out: string[] = [];
  let inMessages = false;
  for (const line of DOC.split('\n')) {
    if (line.startsWith('| message |')) inMessages = true;
    else if (!line.startsWith('|')) inMessages = false;
    else if (inMessages && !line.startsWith('|---')) {
      const cell = line.slice(2).split(' | ')[0] ?? '';
      out.push(...[...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string));
    }
  }
  return out;
}

/**
 * Documented messages and where a test produces each. `here`: in this file (the `it` names it);
 * otherwise the test file that triggers it, which must assert the given fragment of the message.
 */
const REGISTRY: Record<string, { here: true } | { file: string; asserts: string }> = {
  'Unknown argument: …': { here: true },
  'Not enough non-option arguments': { here: true },
  'Invalid values: Argument: status, Given: "done", …': { here: true },
  'configuration is not valid:': { here: true },
  '- MYSQL_PORT (.env file …): expected a port number, got "33o6"': { here: true },
  '- --mysql-url: expected a URL like mysql://USER:***@HOST:3306/DATABASE (value not shown…)': {
    here: true,
  },
  '- --mysql-database: no MySQL database given: pass --mysql-database, put it in the URL, or set …': {
    here: true,
  },
  'configuration: the env file … does not exist': { here: true },
  'invalid run status "done"': { here: true },
  'foreign-key strategy ordered cannot be used: …; nothing was written': {
    file: 'apps/conv/test/trust-docs.test.ts',
    asserts: 'foreign-key strategy ordered cannot be used: ',
  },
  replica: { here: true }, // the other strategies of the same message
  'drop-recreate': { here: true },
  '--triggers fire: trigger … on … cannot be switched for the load: role … does not own …; nothing was written':
    {
      file: 'packages/pg-loader/test/roles.test.ts',
      asserts: 'cannot be switched for the load',
    },
  'cannot write the lock file …/import.lock: the directory is not writable (read-only file system) [EROFS]': {
    file: 'apps/conv/test/import-io-errors.test.ts',
    asserts: 'the directory is not writable (read-only file system) [EROFS]',
  },
  'cannot write …: the disk is full [ENOSPC]': {
    file: 'apps/conv/test/import-io-errors.test.ts',
    asserts: 'the disk is full [ENOSPC]',
  },
  'cannot connect to MySQL at mysql://root:***@db:3306/alkemio: connect ECONNREFUSED …': { here: true },
  'MySQL server db:3306 refused the login: Access denied for user …': { here: true },
  'unknown database "alkemio" on MySQL server db:3306': { here: true },
  // The test servers trust every login: a password cannot fail here; the message's start is tested.
  'cannot connect to PostgreSQL at postgres://alkemio:***@pg:5432/alkemio: password authentication failed …':
    {
      here: true,
    },
  'database "…" does not exist': { here: true },
  'the PostgreSQL connection was lost while loading item.csv into public.item: terminating connection due to administrator command [57P01]':
    {
      file: 'packages/pg-loader/test/lost-connection.test.ts',
      asserts: 'terminating connection due to administrator command [57P01]',
    },
  '<target> already holds rows in N planned table(s): <table> (N rows), …; loading would replace them, so nothing was written':
    { here: true },
  'target.not-empty': { here: true },
  'row rejected at table <schema>.<table>, file <path>, line N, column "<column>": <PostgreSQL message> (<detail>) [SQLSTATE …]':
    { file: 'apps/conv/test/trust-docs.test.ts', asserts: 'row rejected at table public\\.node' },
  'row rejected at table <schema>.<table> (rows streamed from MySQL table <table>), row N in the order MySQL sent them, column "<column>": <PostgreSQL message> (<detail>) [SQLSTATE …]':
    { file: 'apps/conv/test/trust-docs.test.ts', asserts: 'in the order MySQL sent them' },
  'foreign key … fails after the load: … Offending keys: …': { here: true },
  '… is not in the export but holds rows that reference a loaded table …; nothing was written': {
    here: true,
  },
  '<schema>.<table> has no column "…" (file …); nothing was written': { here: true },
  '… import_state.json records an unfinished import …: cannot resume': {
    file: 'packages/pg-loader/test/reliability.test.ts',
    asserts: 'records an unfinished import',
  },
  'another conv import is writing into <target> (PostgreSQL backend N …): refused': {
    file: 'packages/pg-loader/test/reliability.test.ts',
    asserts: 'another conv import is writing into',
  },
  '<dir> is being imported by another process': { here: true },
  'PostgreSQL server … did not take any data of <table> for N s': {
    file: 'packages/pg-loader/test/liveness.test.ts',
    asserts: 'did not take any data of',
  },
  '…/migration_log.json is not valid JSON …; conv will not overwrite it': { here: true },
  'could not lock …/migration_log.json within … ms': { here: true },
};

const message = (m: string) => m;

describe('docs/troubleshooting.md: every documented message has its test', () => {
  it('the registry lists exactly the messages of the doc, and the tests elsewhere assert theirs', () => {
    expect(Object.keys(REGISTRY).sort()).toEqual([...new Set(documentedMessages())].sort());
    for (const entry of Object.values(REGISTRY)) {
      if ('here' in entry) continue;
      const text = readFileSync(new URL(entry.file, ROOT), 'utf8');
      expect(text, entry.file).toContain(entry.asserts);
    }
  });
});

describe('usage and configuration (exit 2), as documented', () => {
  const pg = usePgDatabase();
  const doc = (m: string) => {
    expect(DOC).toContain(`\`${m}\``);
    return docPattern(m);
  };

  it('yargs: unknown argument, missing positional, invalid status', async () => {
    const unknown = await cli(['check', '--nope']);
    expect(unknown.code).toBe(ExitCode.usage);
    expect(unknown.stderr).toMatch(doc('Unknown argument: …'));
    const missing = await cli(['import']);
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toMatch(doc('Not enough non-option arguments'));
    const status = await cli(['log', 'done']);
    expect(status.code).toBe(ExitCode.usage);
    expect(status.stderr).toMatch(doc('Invalid values: Argument: status, Given: "done", …'));
  });

  it('the library refuses a status the CLI would not pass', async () => {
    const log = openAuditLog({ file: join(tempDir(), 'migration_log.json') });
    await expect(
      log.append({ status: 'done' as never, runId: 'r', app: 'conv', message: 'x' }),
    ).rejects.toThrow(doc('invalid run status "done"'));
  });

  it('settings: a bad port in .env, a bad URL, no database, a missing env file', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'MYSQL_PORT=33o6\n');
    const port = await cli(['check', '--pg-url', pg.url], { cwd });
    expect(port.code).toBe(ExitCode.usage);
    expect(port.stderr).toMatch(doc('configuration is not valid:'));
    expect(port.stderr).toMatch(doc('- MYSQL_PORT (.env file …): expected a port number, got "33o6"'));
    const url = await cli(['check', '--mysql-url', 'http://h/db', '--pg-url', pg.url]);
    expect(url.stderr).toMatch(
      doc('- --mysql-url: expected a URL like mysql://USER:***@HOST:3306/DATABASE (value not shown…)'),
    );
    const noDb = await cli(['check', '--mysql-url', 'mysql://root@127.0.0.1:3306', '--pg-url', pg.url]);
    expect(noDb.stderr).toMatch(
      doc('- --mysql-database: no MySQL database given: pass --mysql-database, put it in the URL, or set …'),
    );
    const envFile = await cli(['check', '--env-file', 'nope.env'], { cwd: tempDir() });
    expect(envFile.code).toBe(ExitCode.usage);
    expect(envFile.stderr).toMatch(doc('configuration: the env file … does not exist'));
  });
});

describe('foreign-key strategies named in the exit 2 message', () => {
  it('replica and drop-recreate are the other strategies of the same refusal', () => {
    const row = DOC.split('\n').find((l) => l.includes('foreign-key strategy ordered cannot be used'));
    expect(row).toContain('(also `replica`, `drop-recreate`)');
    const src = readFileSync(new URL('packages/pg-loader/src/fk-strategy.ts', ROOT), 'utf8');
    expect(src).toContain('foreign-key strategy ${');
  });
});

describe('connections (exit 5), as documented', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query('CREATE TABLE t (id int PRIMARY KEY)');
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query('CREATE TABLE t (id int PRIMARY KEY)');
  });

  it('MySQL: refused connection, refused login, unknown database', async () => {
    const refused = await cli([
      'check',
      '--mysql-url',
      'mysql://root:S3cret@127.0.0.1:1/alkemio',
      '--pg-url',
      target.url,
    ]);
    expect(refused.code).toBe(ExitCode.connection);
    expect(refused.stderr).toMatch(
      docPattern('cannot connect to MySQL at mysql://root:***@db:3306/alkemio: connect ECONNREFUSED …', {
        'db:3306': '127.0.0.1:1',
      }),
    );
    expect(refused.all).not.toContain('S3cret');
    const login = await cli([
      'check',
      '--mysql-url',
      `mysql://conv_nobody:S3cret@127.0.0.1:3306/${source.name}`,
      '--pg-url',
      target.url,
    ]);
    expect(login.code).toBe(ExitCode.connection);
    expect(login.stderr).toMatch(
      docPattern('MySQL server db:3306 refused the login: Access denied for user …', {
        'db:3306': '127.0.0.1:3306',
      }),
    );
    const unknown = await cli([
      'check',
      '--mysql-url',
      'mysql://root@127.0.0.1:3306/conv_no_such_db',
      '--pg-url',
      target.url,
    ]);
    expect(unknown.code).toBe(ExitCode.connection);
    expect(unknown.stderr).toMatch(
      docPattern('unknown database "alkemio" on MySQL server db:3306', {
        'db:3306': '127.0.0.1:3306',
        alkemio: 'conv_no_such_db',
      }),
    );
  });

  it('PostgreSQL: a database that does not exist (a failed password has the same start)', async () => {
    const res = await cli([
      'check',
      '--mysql-url',
      source.url,
      '--pg-url',
      'postgres://postgres:S3cret@127.0.0.1:5432/conv_no_such_db',
    ]);
    expect(res.code).toBe(ExitCode.connection);
    const start = message(
      'cannot connect to PostgreSQL at postgres://alkemio:***@pg:5432/alkemio: password authentication failed …',
    ).split(': password')[0] as string;
    expect(res.stderr).toMatch(
      docPattern(start, { 'alkemio:***@pg:5432/alkemio': 'postgres:***@127.0.0.1:5432/conv_no_such_db' }),
    );
    expect(res.stderr).toMatch(docPattern('database "…" does not exist'));
    expect(res.all).not.toContain('S3cret');
  });
});

describe('loading (exit 3, 6, 7) and the audit log, as documented', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(`
      CREATE TABLE parent (id int PRIMARY KEY, name varchar(20));
      CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL);
      INSERT INTO parent VALUES (1, 'a'), (2, 'b');
      INSERT INTO child VALUES (10, 1), (11, 2);`);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(`
      CREATE TABLE parent (id int PRIMARY KEY, name text);
      CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id));`);
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];
  const exportDir = async (cwd: string) => {
    const res = await cli(['export', ...urls(), '--json'], { cwd });
    expect(res.code, res.all).toBe(ExitCode.ok);
    return (JSON.parse(res.stdout) as { dir: string }).dir;
  };

  it('a target that already holds rows: target.not-empty (exit 3)', async () => {
    const cwd = tempDir();
    expect((await cli(['run', ...urls()], { cwd })).code).toBe(ExitCode.ok);
    const again = await cli(['run', ...urls()], { cwd });
    expect(again.code).toBe(ExitCode.checkFailed);
    expect(again.all).toMatch(
      docPattern(
        '<target> already holds rows in N planned table(s): <table> (N rows), …; loading would replace them, so nothing was written',
      ),
    );
    const json = await cli(['run', ...urls(), '--json'], { cwd });
    const { error } = JSON.parse(json.stdout) as { error: { code: string; location: { table?: string } } };
    expect(error.code).toBe('target.not-empty');
    // Where, as every command's --json error says it.
    expect(error.location.table).toEqual(expect.any(String));
  });

  it('orphans found after the load (exit 6); a table outside the export, a missing column (exit 3)', async () => {
    const cwd = tempDir();
    await source.query('INSERT INTO child VALUES (12, 99)'); // no parent 99
    try {
      const dir = await exportDir(cwd);
      const orphans = await cli(['import', dir, ...urls(), '--replace'], { cwd });
      expect(orphans.code, orphans.all).toBe(ExitCode.loadFailed);
      expect(orphans.stderr).toMatch(docPattern('foreign key … fails after the load: … Offending keys: …'));
    } finally {
      await source.query('DELETE FROM child WHERE id = 12');
    }
    const dir = await exportDir(cwd);
    await target.query(`
      CREATE TABLE note (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
      INSERT INTO parent VALUES (1, 'x') ON CONFLICT DO NOTHING;
      INSERT INTO note VALUES (1, 1);`);
    try {
      const outside = await cli(['import', dir, ...urls(), '--replace'], { cwd });
      expect(outside.code, outside.all).toBe(ExitCode.checkFailed); // refused before any write
      expect(outside.stderr).toMatch(
        docPattern(
          '… is not in the export but holds rows that reference a loaded table …; nothing was written',
        ),
      );
    } finally {
      await target.query('DROP TABLE note');
    }
    await target.query('ALTER TABLE parent DROP COLUMN name');
    try {
      const column = await cli(['import', dir, ...urls(), '--replace'], { cwd });
      expect(column.code, column.all).toBe(ExitCode.checkFailed); // refused before any write
      expect(column.stderr).toMatch(
        docPattern('<schema>.<table> has no column "…" (file …); nothing was written'),
      );
    } finally {
      await target.query('ALTER TABLE parent ADD COLUMN name text');
    }
  });

  it('a directory another process is importing (exit 2), and a damaged export directory (exit 7)', async () => {
    const cwd = tempDir();
    const dir = await exportDir(cwd);
    // A lock held by a live process on this host (this one).
    writeFileSync(
      join(dir, 'import.lock'),
      JSON.stringify({
        pid: process.pid,
        host: (await import('node:os')).hostname(),
        started: new Date().toISOString(),
      }),
    );
    const locked = await cli(['import', dir, ...urls(), '--replace'], { cwd });
    expect(locked.code, locked.all).toBe(ExitCode.usage);
    expect(locked.stderr).toMatch(docPattern('<dir> is being imported by another process'));
    unlinkSync(join(dir, 'import.lock'));

    const csv = join(dir, 'parent.csv');
    const original = readFileSync(csv, 'utf8');
    writeFileSync(csv, original.replace(/b(\r?\n?)$/, 'c$1')); // same size, other bytes
    const sha = await cli(['import', dir, ...urls(), '--replace'], { cwd });
    expect(sha.code).toBe(ExitCode.badInput);
    expect(sha.stderr).toMatch(
      docPattern("…/x.csv: sha256 … differs from the manifest's …", { 'x.csv': 'parent.csv' }),
    );
    expect(DOC).toContain("`…/x.csv: sha256 … differs from the manifest's …`");
    unlinkSync(csv);
    const missing = await cli(['import', dir, ...urls(), '--replace'], { cwd });
    expect(missing.code).toBe(ExitCode.badInput);
    expect(missing.stderr).toMatch(
      docPattern('…/x.csv: missing (listed in migration_manifest.json for table …)', {
        'x.csv': 'parent.csv',
      }),
    );
    expect(DOC).toContain('`…/x.csv: missing (listed in migration_manifest.json for table …)`');
    writeFileSync(join(dir, MANIFEST_FILE), '{}');
    const manifest = await cli(['import', dir, ...urls(), '--replace'], { cwd });
    expect(manifest.code).toBe(ExitCode.badInput);
    expect(manifest.stderr).toMatch(docPattern('…/migration_manifest.json: not a conv manifest: …'));
    expect(DOC).toContain('`…/migration_manifest.json: not a conv manifest: …`');
  });

  it('the audit log: not JSON, or locked by another process', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'migration_log.json'), 'not json');
    const res = await cli(['log', 'started'], { cwd });
    expect(res.code).not.toBe(ExitCode.ok);
    expect(res.stderr).toMatch(
      docPattern('…/migration_log.json is not valid JSON …; conv will not overwrite it'),
    );
    const file = join(tempDir(), 'migration_log.json');
    mkdirSync(`${file}.lock`); // held, and fresh: not taken over
    await expect(appendToFile(file, [], { waitMs: 300 })).rejects.toThrow(
      docPattern('could not lock …/migration_log.json within … ms'),
    );
  });
});
