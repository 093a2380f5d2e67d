import type { Manifest } from '@conv/core';
import { GtidSet } from '@vlasky/zongji';
import type mysql from 'mysql2/promise';
import type { SourceFlavor } from './source.js';

/**
 * The source's executed GTIDs at the imported snapshot, the seed of the GTID stored with each applied
 * position. MariaDB: BINLOG_GTID_POS of the snapshot's file/position (exact for any snapshot). MySQL 8:
 * the export's gtid_executed, read under the commit freeze together with the position (several export
 * connections; one connection records no position at all). Null when unknown: then only file+position.
 */
export async function snapshotGtid(
  conn: mysql.Connection,
  flavor: SourceFlavor,
  manifest: Manifest,
): Promise<string | null> {
  const s = manifest.source.snapshot;
  if (!flavor.mariadb) return s.gtid !== null && s.connections > 1 ? s.gtid.replace(/\s/g, '') : null;
  try {
    const [rows] = await conn.query('SELECT BINLOG_GTID_POS(?, ?) AS g', [s.binlogFile, s.binlogPosition]);
    const g = (rows as { g: string | null }[])[0]?.g;
    return g === null || g === undefined ? null : String(g);
  } catch {
    return null;
  }
}

/**
 * `current` with the transactions `gtids` added: a MariaDB GTID position (last `domain-server-seq` per
 * domain, the form of gtid_binlog_pos) or a MySQL GTID set (`uuid:1-N,…`, the form of gtid_executed).
 */
export function advanceGtid(current: string, gtids: readonly string[], mariadb: boolean): string {
  if (gtids.length === 0) return current;
  if (mariadb) {
    const domains = new Map<string, string>();
    for (const g of current.split(',').filter((x) => x.trim()))
      domains.set(g.trim().split('-')[0]!, g.trim());
    for (const g of gtids) domains.set(g.split('-')[0]!, g);
    return [...domains.values()].join(',');
  }
  const set = GtidSet.parse(current);
  for (const g of gtids) set.add(g);
  return set.toString();
}
