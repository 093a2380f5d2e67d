import { type Manifest, quotePgQualified } from '@conv/core';
import pg from 'pg';

/**
 * Every phase starts from the same state: the tables truncated (committed) and a CHECKPOINT, so neither
 * the previous phase's dirty pages nor its WAL are billed to the next one. Measured: a TRUNCATE of full
 * tables *inside* the loading transaction keeps the old files until COMMIT and made the same COPYs ~1.7×
 * slower; on empty tables it costs nothing — and a migration target starts empty.
 */
export async function resetTarget(url: string, tables: Manifest['tables']): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(
      `TRUNCATE TABLE ${tables.map((t) => quotePgQualified('public', t.target)).join(', ')}`,
    );
    await client.query('CHECKPOINT');
  } catch {
    // not a superuser: measured without the checkpoint
  } finally {
    await client.end();
  }
}
