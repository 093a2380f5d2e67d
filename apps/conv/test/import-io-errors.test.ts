// Issue 13 item 7: file-system failures of `import` (its script/log next to the CSV files) are clear
// errors with an exit code and a `failed` audit event — never a raw stack, never a COMMIT without its log.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '@conv/audit-log';
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillGenerated, GENERATED_MYSQL, GENERATED_PG } from '../src/demo.js';
import { cli, tempDir } from './helpers.js';

/** A small tmpfs (root only, as on CI): a real disk-full and a real read-only file system. */
function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const mounted: string[] = [];
const canMount = (() => {
  const probe = join(tempDir('conv-mnt-'), 'probe');
  if (!mountTmpfs(probe, '64k')) return false;
  execFileSync('umount', [probe]);
  return true;
})();

describe('import when its files cannot be written', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query(GENERATED_MYSQL);
    await fillGenerated(db.conn);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query(GENERATED_PG);
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];
  let exportDir = '';
  beforeAll(async () => {
    const res = await cli(['export', ...urls(), '--json'], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    exportDir = (JSON.parse(res.stdout) as { dir: string }).dir;
  }, 300_000);
  afterAll(() => {
    for (const dir of mounted) execFileSync('umount', ['-l', dir]);
  });

  async function importInto(dir: string) {
    const cwd = tempDir();
    const res = await cli(['import', dir, ...urls(), '--replace'], { cwd });
    const log = await readAuditLog(join(cwd, 'migration_log.json'));
    const [row] = await target.query<{ n: string }>('SELECT count(*)::text AS n FROM post');
    return { res, last: log.migration_runs.at(-1), posts: Number(row?.n) };
  }

  it('import asks for no MySQL setting (it never connects to MySQL)', async () => {
    const dir = tempDir('conv-nomysql-');
    cpSync(exportDir, dir, { recursive: true });
    await target.query('TRUNCATE post, account');
    const res = await cli(['import', dir, '--pg-url', target.url], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
  }, 60_000);

  it('script/log names taken between the check and the open (EEXIST): the next free name, exit 0', async () => {
    const dir = tempDir('conv-eexist-');
    cpSync(exportDir, dir, { recursive: true });
    // Dangling links: existsSync says free, the exclusive open says EEXIST — what a second process does.
    const now = Date.now();
    for (let s = 0; s < 30; s++) {
      const iso = new Date(now + s * 1000).toISOString();
      const ts = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
      symlinkSync(join(dir, 'nowhere', 'x'), join(dir, `import_script_${ts}.sql`));
    }
    const { res, last, posts } = await importInto(dir);
    expect(res.code, res.all).toBe(ExitCode.ok);
    expect(res.all).not.toMatch(/\n\s+at /);
    expect(last?.status).toBe('completed');
    expect(posts).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((f) => /^import_script_.*_2\.sql$/.test(f))).toHaveLength(1);
  }, 60_000);

  it.skipIf(!canMount)(
    'a read-only export directory (EROFS): exit 2 naming it, failed logged, target untouched',
    async () => {
      await target.query('TRUNCATE post, account');
      const dir = join(tempDir('conv-ro-'), 'mnt');
      expect(mountTmpfs(dir, '4m')).toBe(true);
      mounted.push(dir);
      cpSync(exportDir, dir, { recursive: true });
      execFileSync('mount', ['-o', 'remount,ro', dir]);
      const { res, last, posts } = await importInto(dir);
      expect(res.code, res.all).toBe(ExitCode.usage);
      expect(res.stderr).toContain('read-only');
      expect(res.stderr).toContain(dir);
      // What docs/troubleshooting.md shows under exit 2 (the lock is the first file the import writes).
      expect(res.stderr).toMatch(
        /cannot write the lock file \S+\/import\.lock: the directory is not writable \(read-only file system\) \[EROFS\]/,
      );
      expect(res.stderr).toContain('the directory is not writable (read-only file system) [EROFS]');
      expect(res.all).not.toMatch(/\n\s+at /);
      expect(last).toMatchObject({ status: 'failed', step: 'import' });
      expect(posts).toBe(0);
    },
    60_000,
  );

  it.skipIf(!canMount)(
    'a full disk (ENOSPC) while writing the script: exit 2, rolled back before COMMIT, failed logged',
    async () => {
      await target.query('TRUNCATE post, account');
      const dir = join(tempDir('conv-full-'), 'mnt');
      expect(mountTmpfs(dir, '4m')).toBe(true);
      mounted.push(dir);
      cpSync(exportDir, dir, { recursive: true });
      // Fill what is left: creating the files still works, their first block does not.
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
      } catch {
        // dd stops with "No space left on device": that is the point.
      }
      expect(existsSync(join(dir, 'filler'))).toBe(true);
      const { res, last, posts } = await importInto(dir);
      expect(res.code, res.all).toBe(ExitCode.usage);
      expect(res.stderr).toContain('the disk is full');
      expect(res.stderr).toMatch(/cannot write .+: the disk is full \[ENOSPC\]/);
      expect(res.stderr).toContain('the disk is full [ENOSPC]');
      expect(res.all).not.toMatch(/\n\s+at /);
      expect(last).toMatchObject({ status: 'failed', step: 'import' });
      expect(posts).toBe(0);
    },
    60_000,
  );
});
