// Issue 13 item 1, through a real process: `run --load-mode per-table --fk-strategy drop-recreate` is
// killed with SIGKILL right after `import parent: done` (the keys are dropped and committed by then);
// the next `run` — a new export directory, so no import_state.json to find — must end with every
// foreign key back and validated. The old loader kept the dropped keys only in the first directory's
// state file: the second run exited 0 with the key gone.
// The bin is built once per test run (built.ts): building it here raced other packages reading dist/.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONV_BIN as BIN, buildConv } from './built.js';
import { tempDir } from './helpers.js';

const CHILD_ROWS = 100_000;

const source = useMysqlDatabase(async (db) => {
  await db.query(`
    CREATE TABLE digits (i int PRIMARY KEY);
    INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
    CREATE TABLE parent (id int PRIMARY KEY, name varchar(20) NOT NULL);
    CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL, body varchar(60),
      CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id));
    INSERT INTO parent SELECT a.i + 10 * b.i + 1, CONCAT('p', a.i, b.i) FROM digits a, digits b;
    INSERT INTO child
      SELECT a.i + 10 * b.i + 100 * c.i + 1000 * d.i + 10000 * e.i + 1, a.i + 10 * b.i + 1, REPEAT('c', 50)
        FROM digits a, digits b, digits c, digits d, digits e
       WHERE a.i + 10 * b.i + 100 * c.i + 1000 * d.i + 10000 * e.i < ${CHILD_ROWS};
    DROP TABLE digits;`);
});
const target = usePgDatabase(async (db) => {
  await db.query(`
    CREATE TABLE parent (id int PRIMARY KEY, name varchar(20) NOT NULL);
    CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id), body varchar(60));`);
});

beforeAll(() => buildConv(), 300_000);

interface Ended {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** Runs the bin; with `killOn`, sends `signal` (SIGKILL) as soon as stderr matches it. */
function runBin(
  args: string[],
  cwd: string,
  killOn?: RegExp,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<Ended & { killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (killOn && !killed && killOn.test(stderr)) {
        killed = child.kill(signal);
      }
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderr, killed }));
  });
}

async function foreignKeys() {
  return target.query<{ conname: string; convalidated: boolean }>(
    `SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' AND conrelid = 'public.child'::regclass`,
  );
}

describe.skipIf(
  !existsSync(fileURLToPath(new URL('../../../packages/pg-loader/dist/index.js', import.meta.url))),
)('kill -9 during a per-table drop-recreate run', () => {
  const flags = () => [
    '--replace',
    '--mysql-url',
    source.url,
    '--pg-url',
    target.url,
    '--load-mode',
    'per-table',
    '--fk-strategy',
    'drop-recreate',
    '--jobs',
    '1',
  ];

  it('the next run restores every foreign key, validated', async () => {
    const cwd = tempDir();
    const first = await runBin(['run', ...flags()], cwd, /committed parent: /);
    expect(first.killed).toBe(true);
    expect(first.signal).toBe('SIGKILL');
    expect(await foreignKeys()).toEqual([]); // dropped and committed: the state this test is about

    const second = await runBin(['run', ...flags()], cwd);
    expect(second.stderr).toContain('dropped by an interrupted import are missing from the target');
    expect(second.code).toBe(0);
    expect(await foreignKeys()).toEqual([{ conname: 'child_parent_id_fkey', convalidated: true }]);
    const [n] = await target.query<{ n: string }>('SELECT count(*)::text AS n FROM child');
    expect(n?.n).toBe(String(CHILD_ROWS));
  });

  it('one SIGTERM during the import is obeyed at once: exit 130, failed logged, keys restored next run', async () => {
    const cwd = tempDir();
    await target.query('TRUNCATE child, parent');
    const stopped = await runBin(['run', ...flags()], cwd, /committed parent: /, 'SIGTERM');
    expect(stopped.killed).toBe(true);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted/);
    const log = JSON.parse(readFileSync(join(cwd, 'migration_log.json'), 'utf8')) as {
      migration_runs: { status: string }[];
    };
    expect(log.migration_runs.at(-1)?.status).toBe('failed');
    const again = await runBin(['run', ...flags()], cwd);
    expect(again.code).toBe(0);
    expect(await foreignKeys()).toEqual([{ conname: 'child_parent_id_fkey', convalidated: true }]);
  });
});
