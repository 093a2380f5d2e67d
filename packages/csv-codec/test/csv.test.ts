import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvError } from '@conv/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, CsvRowWriter, csvField, csvLine, parseCsv, readCsv } from '../src/index.js';
import { pairOf } from './helpers.js';

const tricky = fc.string({
  unit: fc.constantFrom('a', 'Z', '"', ',', '\n', '\r', '\\', '.', 'N', ' ', '\t', '😀', 'é'),
  maxLength: 12,
});
const field = fc.option(
  fc.oneof(tricky, fc.string({ unit: 'grapheme' }), fc.constantFrom('', '\\.', '\\N')),
  {
    nil: null,
  },
);

describe('csvField', () => {
  it('quotes only where PostgreSQL needs it', () => {
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('""');
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField('\\N')).toBe('\\N');
    expect(csvField('NULL')).toBe('NULL');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('\\.')).toBe('"\\."');
    expect(csvField('\\.x')).toBe('\\.x');
    expect(csvField('tab\there')).toBe('tab\there');
  });

  it('csvLine joins fields and ends with LF', () => {
    expect(csvLine(['a', null, '', 'b,c'])).toBe('a,,"","b,c"\n');
  });
});

describe('CsvParser', () => {
  it('keeps NULL (unquoted empty) apart from the empty string', () => {
    expect(parseCsv('a,,"",b\n')).toEqual([['a', null, '', 'b']]);
    expect(parseCsv('\n')).toEqual([[null]]);
    expect(parseCsv('x\r\ny\n')).toEqual([['x'], ['y']]);
  });

  it('reads back whatever csvLine wrote, however the input is split into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (records, cuts) => {
          // A record of one empty-string field is `""`; one NULL field is an empty line: both survive.
          const text = records.map(csvLine).join('');
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const parser = new CsvParser();
          const out = [];
          let prev = 0;
          for (const p of [...points, text.length]) {
            out.push(...parser.push(text.slice(prev, p)));
            prev = p;
          }
          out.push(...parser.end());
          expect(out).toEqual(records);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('rejects malformed input naming the record', () => {
    expect(() => parseCsv('a,b\n"open,c\n', 'x.csv')).toThrow(/x\.csv: record 2: unterminated/);
    expect(() => parseCsv('a"b\n', 'x.csv')).toThrow(/record 1: quote inside an unquoted field/);
    expect(() => parseCsv('"a"b\n', 'x.csv')).toThrow(ConvError);
  });

  it('readCsv streams a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conv-csv-'));
    const file = join(dir, 't.csv');
    const rows: (string | null)[][] = [['id', 'v']];
    for (let i = 0; i < 20_000; i++)
      rows.push([String(i), i % 3 === 0 ? null : `v "${i}",\n${'x'.repeat(i % 50)}`]);
    writeFileSync(file, rows.map(csvLine).join(''));
    const got: (string | null)[][] = [];
    for await (const r of readCsv(file)) got.push(r);
    expect(got).toEqual(rows);
    await expect(async () => {
      for await (const _ of readCsv(join(dir, 'missing.csv'))) void _;
    }).rejects.toThrow(/missing\.csv/);
  });
});

describe('CsvRowWriter', () => {
  it('batches lines into chunks, counts rows and bytes, and passes back-pressure on', () => {
    const chunks: Buffer[] = [];
    let answer = true;
    const writer = new CsvRowWriter([pairOf('integer', { source: 'id' }), pairOf('text')], {
      sink: (c) => {
        chunks.push(c);
        return answer;
      },
      chunkChars: 32,
    });
    writer.header(['id', 'v']);
    const results: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      answer = i % 2 === 0;
      results.push(writer.write([i, i % 4 === 0 ? null : `é ${i}`]));
    }
    writer.flush();
    const text = Buffer.concat(chunks).toString('utf8');
    expect(writer.rows).toBe(10);
    expect(writer.bytes).toBe(Buffer.byteLength(text));
    expect(parseCsv(text)).toHaveLength(11);
    expect(results).toContain(false);
    expect(text.startsWith('id,v\n0,\n1,é 1\n')).toBe(true);
  });
});
