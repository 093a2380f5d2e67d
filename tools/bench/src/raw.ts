// The raw read limit of the machine: the C client reading the same SELECTs with --quick (row by row,
// nothing buffered) and writing its tab-separated text to /dev/null.
import type { MigrationPlan } from '@conv/core';
import { exportQueryFor } from '@conv/mysql-export';
import { runTimed } from './measure.js';

export async function rawRead(mysqlUrl: string, database: string, plan: MigrationPlan): Promise<number> {
  const u = new URL(mysqlUrl);
  const sql = plan.tables.map((t) => `${exportQueryFor(t, database)};`).join('\n');
  const args = [
    '--quick',
    '--batch',
    '--default-character-set=utf8mb4',
    '-h',
    u.hostname,
    '-P',
    u.port || '3306',
    '-u',
    decodeURIComponent(u.username || 'root'),
    database,
    '-e',
    sql,
  ];
  // The password goes through the environment, never on the command line.
  const env = u.password ? { MYSQL_PWD: decodeURIComponent(u.password) } : {};
  const run = await runTimed('mariadb', args, { env, discardStdout: true });
  if (run.code !== 0) throw new Error(`mariadb --quick failed: ${run.stderr.trim()}`);
  return run.wallMs;
}
