// A sync in its own process, for the kill -9 test: args mysqlUrl pgUrl manifestFile. Prints one line per batch.
import { readFileSync } from 'node:fs';
import { ManifestSchema } from '@conv/core';
import { startSync } from '../../src/index.js';

const [mysqlUrl, pgUrl, manifestFile] = process.argv.slice(2) as [string, string, string];
const manifest = ManifestSchema.parse(JSON.parse(readFileSync(manifestFile, 'utf8')));
const handle = await startSync({
  mysqlUrl,
  pgUrl,
  manifest,
  batchEvents: 20,
  onProgress: (p) => process.stdout.write(`applied ${p.appliedEvents}\n`),
});
await handle.done;
