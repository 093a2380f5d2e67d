// The progress display in a real terminal: tmux runs `conv run`, capture-pane reads the screen.
import { execFileSync, spawnSync } from 'node:child_process';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { buildConv, CONV_BIN } from './built.js';
import { tempDir } from './helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux)
  console.warn('tmux not found: the terminal progress test is skipped (apt-get install tmux to run it)');

const session = `conv-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(predicate: (text: string) => boolean, ms = 60_000): Promise<string> {
  const end = Date.now() + ms;
  let text = '';
  while (Date.now() < end) {
    text = screen();
    if (predicate(text)) return text;
    await wait(200);
  }
  throw new Error(`screen never matched; last screen:\n${text}`);
}

describe.skipIf(!hasTmux)('progress in a terminal (tmux)', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });
  beforeAll(() => buildConv(), 300_000);

  /** `conv run --replace --via <via>` typed into a new 100×40 tmux session. */
  const startRun = (via: string) => {
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '40', '-c', tempDir());
    tmux(
      'send-keys',
      '-t',
      session,
      `${CONV_BIN} run --replace --via ${via} --mysql-url '${source.url}' --pg-url '${target.url}'`,
      'Enter',
    );
  };

  it.each([
    ['export-import', 'import', 'Exported 2 tables, 160 rows'],
    ['migrate', 'migrate', 'Check: 0 errors'],
  ])(
    '--via %s: shows the live overall line during a step, keeps earlier summaries, and clears it afterwards',
    async (via, step, earlier) => {
      // Hold a lock the load's TRUNCATE waits for, so that the screen can be read mid-step.
      const blocker = new pg.Client({ connectionString: target.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      // ACCESS SHARE: check's row counts still read the table; the load's TRUNCATE waits.
      await blocker.query('LOCK TABLE account IN ACCESS SHARE MODE');
      try {
        startRun(via);
        const live = new RegExp(`^${step} 0/2 tables`, 'gm');
        const during = await until((t) => live.test(t));
        expect(during).toContain(earlier);
        expect(during.match(live)).toHaveLength(1); // drawn in place, no ghost copies
        expect(during).not.toMatch(/\x1b|\[\d+A/);
        await blocker.query('ROLLBACK');
        const after = await until((t) => /Run \S+: completed \(exit 0\)/.test(t));
        expect(after).toMatch(new RegExp(`^${step} done: 2 tables, 160 rows`, 'm'));
        expect(after).toMatch(/^verify done: 2 tables/m);
        expect(after).not.toMatch(new RegExp(`^${step} 0/2 tables`, 'm'));
        expect(after.match(/^check done:/gm)).toHaveLength(1);
      } finally {
        await blocker.end().catch(() => {});
        spawnSync('tmux', ['kill-session', '-t', session]);
      }
    },
  );

  it.each([
    ['export-import', 'import'],
    ['migrate', 'migrate'],
  ])(
    '--via %s: shows the index builds after the COPY as progress (n/total), and counts them in the summary',
    async (via, step) => {
      // An index whose expression sleeps per row: its rebuild after the COPY lasts long enough to be read.
      await target.query(`
      CREATE FUNCTION slow_lower(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
        $$ BEGIN PERFORM pg_sleep(0.1); RETURN lower(t); END $$;
      CREATE INDEX account_slow_name ON account (slow_lower(name));`);
      try {
        startRun(via);
        const during = await until((t) => /index build 1\/1: account_slow_name/.test(t));
        expect(during).toMatch(new RegExp(`^${step} \\d/2 tables · .*index builds 0/1`, 'm'));
        expect(during).toMatch(/^ {2}account\s+index build 1\/1: account_slow_name · \d+s$/m);
        const after = await until((t) => /Run \S+: completed \(exit 0\)/.test(t));
        expect(after).toMatch(new RegExp(`^${step} done: 2 tables, 160 rows, .*index builds 1/1 in `, 'm'));
        expect(after).not.toMatch(/^ {2}account\s+index build/m);
      } finally {
        spawnSync('tmux', ['kill-session', '-t', session]);
        await target.query('DROP INDEX account_slow_name; DROP FUNCTION slow_lower(text)');
      }
    },
  );
});
