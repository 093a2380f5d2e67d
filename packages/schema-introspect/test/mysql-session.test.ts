// Issue 10 item 2: check scans through the export's own MySQL session (one home: @conv/dialect/mysql).
// Before, check opened its own with other options: 64-bit integers came back as rounded JS numbers and the
// MariaDB subquery cache and 60 s network timeouts stayed on, although the comment promised "what we scan
// is what it exports".
import { connectMysql } from '@conv/dialect/mysql';
import { useMysqlDatabase } from '@conv/testkit';
import type mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { withMysql } from '../src/connect.js';

const PROBE = `SELECT @@session.time_zone AS tz, @@session.character_set_client AS charset,
  @@session.net_write_timeout AS write_timeout, @@session.net_read_timeout AS read_timeout,
  @@session.optimizer_switch AS switches, CAST(18446744073709551615 AS UNSIGNED) AS big,
  CAST('12345678901234567890.5' AS DECIMAL(30, 1)) AS dec_value, CAST('2024-02-29 12:00:00' AS DATETIME) AS at`;

async function probe(conn: mysql.Connection): Promise<Record<string, unknown>> {
  const [rows] = await conn.query(PROBE);
  const row = (rows as Record<string, unknown>[])[0]!;
  // MySQL has no subquery cache: only MariaDB's switch can be read.
  return { ...row, switches: /subquery_cache=on/.test(String(row['switches'])) ? 'cache on' : 'cache off' };
}

describe('check reads MySQL through the export session', () => {
  const my = useMysqlDatabase();

  it('has the same session settings and value types as the export', async () => {
    const scanned = await withMysql(my.url, probe);
    const exporter = await connectMysql(my.url);
    let exported: Record<string, unknown>;
    try {
      exported = await probe(exporter);
    } finally {
      await exporter.end();
    }
    expect(scanned).toEqual(exported);
    expect(scanned).toMatchObject({
      tz: '+00:00',
      charset: 'utf8mb4',
      switches: 'cache off',
      big: '18446744073709551615',
      dec_value: '12345678901234567890.5',
      at: '2024-02-29 12:00:00',
    });
    expect(Number(scanned['write_timeout'])).toBe(3600);
  });
});
