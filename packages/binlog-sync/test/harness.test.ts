import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startBinlogMariadb } from '@conv/testkit';
import mysql from 'mysql2/promise';
import { expect, it } from 'vitest';

it('the harness starts a private binlog-enabled MariaDB (own port, own tmpdir) and removes it afterwards', async () => {
  const server = await startBinlogMariadb();
  try {
    expect(server.port).not.toBe(3306);
    const conn = await mysql.createConnection({ uri: server.url });
    const [rows] = await conn.query(
      "SHOW VARIABLES WHERE Variable_name IN ('log_bin','binlog_format','binlog_row_image','tmpdir')",
    );
    await conn.end();
    const vars = Object.fromEntries(
      (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]),
    );
    // Temporary tables beside the datadir, not in the shared /tmp (where another run's cleanup removed them).
    expect(vars).toEqual({
      log_bin: 'ON',
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
      tmpdir: join(dirname(server.datadir), 'tmp'),
    });
  } finally {
    await server.stop();
  }
  expect(existsSync(dirname(server.datadir))).toBe(false);
});
