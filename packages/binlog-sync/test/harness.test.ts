import { startBinlogMariadb } from '@conv/testkit';
import mysql from 'mysql2/promise';
import { expect, it } from 'vitest';

it('the harness starts a private binlog-enabled MariaDB on a free port and removes it afterwards', async () => {
  const server = await startBinlogMariadb();
  try {
    expect(server.port).not.toBe(3306);
    const conn = await mysql.createConnection({ uri: server.url });
    const [rows] = await conn.query(
      "SHOW VARIABLES WHERE Variable_name IN ('log_bin','binlog_format','binlog_row_image')",
    );
    await conn.end();
    const vars = Object.fromEntries(
      (rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name, r.Value]),
    );
    expect(vars).toEqual({ log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL' });
  } finally {
    await server.stop();
  }
});
