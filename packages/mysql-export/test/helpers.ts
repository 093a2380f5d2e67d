import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Manifest, quotePgIdent } from '@conv/core';
import type { TestPgDb } from '@conv/testkit';
import { from as copyFrom } from 'pg-copy-streams';

export function tempDir(prefix = 'conv-export-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** COPY one exported file into its PostgreSQL table exactly as the loader will: CSV, header, column list. */
export async function copyIntoPg(
  pg: TestPgDb,
  dir: string,
  manifest: Manifest,
  table: string,
): Promise<void> {
  const t = manifest.tables.find((x) => x.table === table);
  if (!t) throw new Error(`no ${table} in manifest`);
  const sql = `COPY ${quotePgIdent(t.target)} (${t.columns.map(quotePgIdent).join(', ')}) FROM STDIN (FORMAT csv, HEADER true)`;
  await pipeline(Readable.from([readFileSync(join(dir, t.file))]), pg.client.query(copyFrom(sql)));
}
