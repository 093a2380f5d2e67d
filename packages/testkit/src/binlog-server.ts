import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const run = promisify(execFile);

/**
 * A private MariaDB with the binlog on (ROW, full row image), started from the machine's `mariadbd` on a
 * temporary datadir and a free port — the shared server on 3306 has no binlog and is never touched.
 */
export interface BinlogServer {
  /** Admin URL (root, no password, no database). */
  url: string;
  port: number;
  datadir: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

export interface BinlogServerOptions {
  /** Overrides of the binlog flags (e.g. `{ binlogFormat: 'STATEMENT' }` to test the preconditions). */
  binlogFormat?: 'ROW' | 'STATEMENT' | 'MIXED';
  binlogRowImage?: 'FULL' | 'MINIMAL' | 'NOBLOB';
  /** Extra mariadbd flags. */
  extraArgs?: string[];
}

const MARIADBD = process.env['CONV_TEST_MARIADBD'] ?? '/usr/sbin/mariadbd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function installDbBinary(): string {
  for (const bin of ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db']) {
    if (existsSync(bin)) return bin;
  }
  throw new Error('conv testkit: mariadb-install-db not found (install the mariadb-server package)');
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`conv testkit: mariadbd exited with code ${child.exitCode}\n${log()}`);
    }
    try {
      const conn = await mysql.createConnection({ uri: url, connectTimeout: 1000 });
      await conn.end();
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`conv testkit: mariadbd did not accept connections in time: ${String(last)}\n${log()}`);
}

export async function startBinlogMariadb(options: BinlogServerOptions = {}): Promise<BinlogServer> {
  if (!existsSync(MARIADBD)) throw new Error(`conv testkit: ${MARIADBD} not found (CONV_TEST_MARIADBD)`);
  const dir = mkdtempSync(join(tmpdir(), 'conv-binlog-'));
  const datadir = join(dir, 'data');
  // A private tmpdir: bootstrap's temporary tables in the shared /tmp were removed under it by
  // another run's cleanup on CI ("Could not remove temporary table ... error: 2").
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const user = process.getuid?.() === 0 ? ['--user=root'] : [];
  const install = () =>
    run(installDbBinary(), [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--tmpdir=${tmp}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...user,
    ]);
  try {
    await install().catch(async () => {
      // One retry on a clean datadir: the bootstrap is the harness's, not the code under test.
      rmSync(datadir, { recursive: true, force: true });
      await install();
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--tmpdir=${tmp}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'mysqld.sock')}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-bin=${join(dir, 'binlog')}`,
    `--binlog-format=${options.binlogFormat ?? 'ROW'}`,
    `--binlog-row-image=${options.binlogRowImage ?? 'FULL'}`,
    '--server-id=1',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=48M',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    ...user,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(MARIADBD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `mysql://root@127.0.0.1:${port}/`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, datadir, stop };
}
