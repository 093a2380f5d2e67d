import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConvError, ExitCode, MANIFEST_FILE, type Manifest } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory, readCsvHeader, validateExportDirectory } from '../src/index.js';
import { csvText, removeDir, type TableSpec, writeExport, writeManifestFor } from './helpers.js';

const SPECS: TableSpec[] = [
  {
    table: 'item',
    columns: ['id', 'label'],
    rows: [
      ['1', 'plain'],
      ['2', 'multi\nline "quoted", with comma'],
      ['3', null],
      ['4', ''],
    ],
  },
  { table: 'tag', columns: ['id', 'item_id'], rows: [['1', '1']] },
];

const db = usePgDatabase(async (d) => {
  await d.query(`
    CREATE TABLE item (id int PRIMARY KEY, label text);
    CREATE TABLE tag (id int PRIMARY KEY, item_id int REFERENCES item(id));
    INSERT INTO item VALUES (10, 'existing'); INSERT INTO tag VALUES (10, 10);
  `);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function fresh(): string {
  const dir = writeExport(SPECS);
  dirs.push(dir);
  return dir;
}

function editManifest(dir: string, edit: (m: Manifest) => void) {
  const file = join(dir, MANIFEST_FILE);
  const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  edit(m);
  writeFileSync(file, JSON.stringify(m));
}

/** Refused with badInput naming the file, and nothing at all happened in the target nor in the directory. */
async function expectRefused(dir: string, fileInMessage: string, detail: RegExp) {
  const before = await db.query('SELECT * FROM item ORDER BY id');
  const beforeTags = await db.query('SELECT * FROM tag ORDER BY id');
  const err = await importDirectory({ replace: true, pgUrl: db.url, dir }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConvError);
  expect((err as ConvError).exitCode).toBe(ExitCode.badInput);
  expect((err as ConvError).message).toContain(join(dir, fileInMessage));
  expect((err as ConvError).message).toMatch(detail);
  expect(await db.query('SELECT * FROM item ORDER BY id')).toEqual(before);
  expect(await db.query('SELECT * FROM tag ORDER BY id')).toEqual(beforeTags);
  expect(readdirSync(dir).filter((f) => f.startsWith('import_'))).toEqual([]);
}

describe('validateExportDirectory', () => {
  it('accepts a directory that matches its manifest and returns the manifest', async () => {
    const dir = fresh();
    const manifest = await validateExportDirectory(dir);
    expect(manifest.tables.map((t) => [t.table, t.rows])).toEqual([
      ['item', 4],
      ['tag', 1],
    ]);
  });

  it('reads a header whose quoted names hold commas, quotes and a line break, across chunk edges', async () => {
    const dir = fresh();
    const columns = ['id', 'a,b', 'say "hi"', 'two\nlines'];
    writeFileSync(join(dir, 'odd.csv'), csvText(columns, [['1', '2', '3', '4']]));
    expect(await readCsvHeader(join(dir, 'odd.csv'), 5)).toEqual(columns);
  });

  it('refuses a truncated CSV', async () => {
    const dir = fresh();
    const size = readFileSync(join(dir, 'item.csv')).length;
    truncateSync(join(dir, 'item.csv'), size - 5);
    await expectRefused(dir, 'item.csv', /bytes, the manifest says \d+ \(truncated since the export\)/);
  });

  it('refuses a CSV modified in place (same size)', async () => {
    const dir = fresh();
    const file = join(dir, 'tag.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace('1,1', '1,9'));
    await expectRefused(dir, 'tag.csv', /sha256 [0-9a-f]{64} differs from the manifest's/);
  });

  it('refuses a missing file', async () => {
    const dir = fresh();
    rmSync(join(dir, 'tag.csv'));
    await expectRefused(dir, 'tag.csv', /missing \(listed in migration_manifest.json for table tag/);
  });

  it('refuses a header that differs from the manifest columns', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'tag.csv'), csvText(['id', 'itemId'], [['1', '1']]));
    // The manifest is recomputed for the new bytes: only the header disagrees with its columns.
    writeManifestFor(dir, SPECS);
    editManifest(dir, (m) => {
      const tag = m.tables.find((t) => t.table === 'tag')!;
      tag.columns = ['id', 'item_id'];
    });
    await expectRefused(
      dir,
      'tag.csv',
      /header \["id","itemId"\] differs .* missing in the file: item_id; not in the manifest: itemId/,
    );
  });

  it('an edited row count is refused by validation (records counted with the hash), nothing written', async () => {
    const dir = fresh();
    editManifest(dir, (m) => {
      m.tables[0]!.rows = 3;
      m.totals.rows -= 1;
    });
    await expectRefused(dir, 'item.csv', /4 rows \(CSV records after the header\), the manifest says 3/);
  });

  it('while-loading: an edited row count is caught by the COPY count and rolled back', async () => {
    const dir = fresh();
    editManifest(dir, (m) => {
      m.tables[0]!.rows = 3;
      m.totals.rows -= 1;
    });
    const before = await db.query('SELECT * FROM item ORDER BY id');
    const err = await importDirectory({
      replace: true,
      pgUrl: db.url,
      dir,
      contentCheck: 'while-loading',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvError);
    expect((err as ConvError).exitCode).toBe(ExitCode.loadFailed);
    expect((err as ConvError).message).toBe(
      "public.item: PostgreSQL loaded 4 rows from item.csv, the manifest says 3; this table's load was rolled back",
    );
    expect(await db.query('SELECT * FROM item ORDER BY id')).toEqual(before);
  });

  it('while-loading: a modified file is caught before the COMMIT and rolled back', async () => {
    const dir = fresh();
    const file = join(dir, 'item.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace('plain', 'PLAIN'));
    const before = await db.query('SELECT * FROM item ORDER BY id');
    const err = await importDirectory({
      replace: true,
      pgUrl: db.url,
      dir,
      contentCheck: 'while-loading',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvError);
    expect((err as ConvError).exitCode).toBe(ExitCode.badInput);
    expect((err as ConvError).message).toMatch(
      /item.csv: sha256 [0-9a-f]{64} \(\d+ bytes\) differs from the manifest's/,
    );
    expect(await db.query('SELECT * FROM item ORDER BY id')).toEqual(before);
  });

  it('refuses an edited manifest: totals, plan, schema', async () => {
    let dir = fresh();
    editManifest(dir, (m) => {
      m.totals.bytes += 1;
    });
    await expectRefused(dir, MANIFEST_FILE, /totals.bytes is \d+ but the tables listed add up to/);
    dir = fresh();
    editManifest(dir, (m) => {
      m.plan.tables[0]!.target = 'other';
    });
    await expectRefused(dir, MANIFEST_FILE, /does not match the plan it holds/);
    dir = fresh();
    editManifest(dir, (m) => {
      (m.tables[0] as { sha256: string }).sha256 = 'nope';
    });
    await expectRefused(dir, MANIFEST_FILE, /not a conv manifest: tables.0.sha256/);
    dir = fresh();
    editManifest(dir, (m) => {
      m.tables[0]!.file = '../item.csv';
    });
    await expectRefused(dir, MANIFEST_FILE, /names file "..\/item.csv" outside the directory/);
  });
});
