import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConvError, ExitCode } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { removeDir, type TableSpec, writeExport } from './helpers.js';

const db = usePgDatabase(async (d) => {
  await d.query(`
    CREATE TABLE author (id uuid PRIMARY KEY, "rowId" serial, name text NOT NULL);
    CREATE TABLE book (id uuid PRIMARY KEY, "authorId" uuid REFERENCES author(id), title text NOT NULL);
    INSERT INTO author (id, name) VALUES ('11111111-1111-4111-8111-111111111111', 'kept');
    INSERT INTO book VALUES ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'kept book');
  `);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const A1 = '6f1c9a40-0b7e-4c55-9b61-1d2a6c1f0a01';

function specs(bookRows: (string | null)[][]): TableSpec[] {
  return [
    { table: 'author', columns: ['id', 'rowId', 'name'], rows: [[A1, '5', 'Ann']] },
    { table: 'book', columns: ['id', 'authorId', 'title'], rows: bookRows },
  ];
}

async function snapshot() {
  return {
    author: await db.query('SELECT id::text, "rowId", name FROM author ORDER BY id'),
    book: await db.query('SELECT id::text, "authorId"::text, title FROM book ORDER BY id'),
    seq: await db.query(`SELECT last_value::text, is_called FROM public."author_rowId_seq"`),
  };
}

async function expectRejected(dir: string) {
  const before = await snapshot();
  const err = await importDirectory({ replace: true, pgUrl: db.url, dir }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConvError);
  expect((err as ConvError).exitCode).toBe(ExitCode.loadFailed);
  // Default mode: one transaction, rolled back — the target is exactly as before, author included.
  expect(await snapshot()).toEqual(before);
  return err as ConvError;
}

describe('fail fast on the first bad row, target left as it was', () => {
  it('a non-UUID in a uuid column: table, file, line of the file, column, PostgreSQL message', async () => {
    // Line 2 holds a title with a line break, so the bad row starts on line 4 of the file (record 3).
    const dir = writeExport(
      specs([
        ['a0000000-0000-4000-8000-000000000001', A1, 'two\nlines'],
        ['not-a-uuid', A1, 'bad'],
        ['a0000000-0000-4000-8000-000000000003', A1, 'never reached'],
      ]),
    );
    dirs.push(dir);
    const err = await expectRejected(dir);
    expect(err.message).toContain(`table public.book, file ${join(dir, 'book.csv')}, line 4, column "id"`);
    expect(err.message).toContain('invalid input syntax for type uuid: "not-a-uuid"');
    expect(err.location).toMatchObject({ table: 'book', line: 4, column: 'id', file: join(dir, 'book.csv') });
    const log = readdirSync(dir).find((f) => f.startsWith('import_log_'))!;
    expect(readFileSync(join(dir, log), 'utf8')).toContain('FAILED: row rejected at table public.book');
    const script = readdirSync(dir).find((f) => f.startsWith('import_script_'))!;
    expect(readFileSync(join(dir, script), 'utf8')).toMatch(
      /ROLLBACK;\n-- ERROR: row rejected at table public.book/,
    );
  });

  it('a NULL into a NOT NULL column', async () => {
    const dir = writeExport(
      specs([
        ['a0000000-0000-4000-8000-000000000001', A1, 'fine'],
        ['a0000000-0000-4000-8000-000000000002', A1, null],
      ]),
    );
    dirs.push(dir);
    const err = await expectRejected(dir);
    expect(err.message).toContain('line 3, column "title"');
    expect(err.message).toContain(
      'null value in column "title" of relation "book" violates not-null constraint',
    );
  });

  it('an orphan under replica is found after the load, named with its key, and rolled back', async () => {
    const dir = writeExport(
      specs([['a0000000-0000-4000-8000-000000000001', A1.replace('01', '99'), 'orphan']]),
    );
    dirs.push(dir);
    const err = await expectRejected(dir);
    expect(err.message).toContain(
      'foreign key book_authorId_fkey of public.book (authorId) → public.author (id)',
    );
    expect(err.message).toContain(`(authorId=${A1.replace('01', '99')})`);
  });
});
