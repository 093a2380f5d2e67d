import { connectMysql } from '@conv/dialect/mysql';
import type mysql from 'mysql2/promise';
import { nonTransactionalTables, openSnapshot, type SnapshotInfo } from './snapshot.js';

/** Connections reading one consistent snapshot of the source, and what it is. */
export interface SourceSnapshot {
  conns: mysql.Connection[];
  version: string;
  mariadb: boolean;
  snapshot: SnapshotInfo;
}

/**
 * Opens `wanted` connections and one consistent snapshot over them (see openSnapshot); falls back to one
 * connection when the global read lock is refused, and marks the snapshot inconsistent when a table is
 * on a non-transactional engine. Every connection is pushed to `conns` as soon as it opens, so the
 * caller can close them whatever fails.
 */
export async function openSourceSnapshot(
  mysqlUrl: string,
  database: string,
  wanted: number,
  tables: string[],
  conns: mysql.Connection[] = [],
): Promise<SourceSnapshot> {
  conns.push(await connectMysql(mysqlUrl, database));
  for (let i = 1; i < wanted; i++) conns.push(await connectMysql(mysqlUrl, database));
  const [versionRows] = await conns[0]!.query({ sql: 'SELECT VERSION()', rowsAsArray: true });
  const version = String((versionRows as unknown[][])[0]![0]);
  const mariadb = /mariadb/i.test(version);

  let snapshot = await openSnapshot(conns, mariadb, () => connectMysql(mysqlUrl, database), version);
  if ('lockRefused' in snapshot) {
    const refused = snapshot.lockRefused;
    for (const extra of conns.splice(1)) await extra.end().catch(() => {});
    snapshot = (await openSnapshot(conns, mariadb)) as SnapshotInfo;
    snapshot.notes.push(`global read lock refused (${refused}): exported on one connection`);
  }
  const loose = await nonTransactionalTables(conns[0]!, database, tables);
  if (loose.length) {
    snapshot.consistent = false;
    snapshot.notes.push(`not covered by the snapshot (non-transactional engine): ${loose.join(', ')}`);
  }
  return { conns, version, mariadb, snapshot };
}
