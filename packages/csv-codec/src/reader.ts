import { createReadStream } from 'node:fs';
import { ConvError, ExitCode } from '@conv/core';

/** The next character that ends a plain run (a native search beats a charCode loop). */
const SPECIAL = /[,\r\n"]/g;

/** A CSV record as PostgreSQL COPY (FORMAT csv) reads it: unquoted empty → null, `""` → ''. */
export type CsvRecord = (string | null)[];

/**
 * Incremental parser of PostgreSQL-style CSV (`,` delimiter, `"` quote doubled inside quotes, LF or CRLF
 * line ends). Unlike general CSV libraries it keeps NULL (unquoted empty) apart from '' (quoted empty),
 * which is what validating an export needs. Strict: a quote inside an unquoted field, text after a closing
 * quote, or an unterminated quote is an error naming the record.
 */
export class CsvParser {
  /** 1-based number of the record being read (the header is record 1 when there is one). */
  record = 1;
  private field = '';
  private fieldQuoted = false;
  private inQuotes = false;
  /** A quote was the last character of the previous chunk, inside quotes: escape or closing quote. */
  private quotePending = false;
  /** Just after a closing quote: only `,` or a line end may follow. */
  private closed = false;
  private pendingCr = false;
  private current: CsvRecord = [];

  constructor(private readonly source = 'CSV input') {}

  private fail(problem: string): never {
    throw new ConvError(`${this.source}: record ${this.record}: ${problem}`, {
      code: 'csv.malformed',
      exit: ExitCode.badInput,
      at: { file: this.source, line: this.record },
      hint: 'the file is damaged or was not written by conv export: export it again',
    });
  }

  private endField(): void {
    this.current.push(this.fieldQuoted ? this.field : this.field === '' ? null : this.field);
    this.field = '';
    this.fieldQuoted = false;
    this.closed = false;
  }

  private endRecord(out: CsvRecord[]): void {
    this.endField();
    out.push(this.current);
    this.current = [];
    this.record++;
  }

  /** Parses a chunk; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const n = chunk.length;
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (n > 0 && chunk.charCodeAt(0) === 10) i = 1;
    }
    if (this.quotePending && n > 0) {
      this.quotePending = false;
      if (chunk.charCodeAt(0) === 34) {
        this.field += '"';
        i = 1;
      } else {
        this.inQuotes = false;
        this.closed = true;
      }
    }
    while (i < n) {
      if (this.inQuotes) {
        const q = chunk.indexOf('"', i);
        if (q === -1) {
          this.field += chunk.slice(i);
          return out;
        }
        this.field += chunk.slice(i, q);
        if (q + 1 === n) {
          this.quotePending = true;
          return out;
        }
        if (chunk.charCodeAt(q + 1) === 34) {
          this.field += '"';
          i = q + 2;
        } else {
          this.inQuotes = false;
          this.closed = true;
          i = q + 1;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === 44) {
        this.endField();
        i++;
      } else if (c === 10) {
        this.endRecord(out);
        i++;
      } else if (c === 13) {
        this.endRecord(out);
        i++;
        if (i === n) this.pendingCr = true;
        else if (chunk.charCodeAt(i) === 10) i++;
      } else if (this.closed) {
        this.fail(`unexpected ${JSON.stringify(chunk[i])} after a closing quote`);
      } else if (c === 34) {
        if (this.field !== '') this.fail('quote inside an unquoted field');
        this.inQuotes = true;
        this.fieldQuoted = true;
        i++;
      } else {
        // Plain run up to the next special character.
        SPECIAL.lastIndex = i + 1;
        const j = SPECIAL.exec(chunk) ? SPECIAL.lastIndex - 1 : n;
        this.field += chunk.slice(i, j);
        i = j;
      }
    }
    return out;
  }

  /** Ends the input; returns a last record that had no line end. */
  end(): CsvRecord[] {
    if (this.inQuotes && !this.quotePending) this.fail('unterminated quoted field at end of input');
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
      this.closed = true;
    }
    if (this.field === '' && !this.fieldQuoted && this.current.length === 0) return [];
    const out: CsvRecord[] = [];
    this.endRecord(out);
    return out;
  }
}

/** Parses a whole CSV text (tests, small files). */
export function parseCsv(text: string, source?: string): CsvRecord[] {
  const parser = new CsvParser(source);
  return [...parser.push(text), ...parser.end()];
}

/** Streams the records of a CSV file (header included as the first record). */
export async function* readCsv(file: string): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser(file);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) yield* parser.push(chunk as string);
  } catch (err) {
    if (err instanceof ConvError) throw err;
    throw new ConvError(`cannot read ${file}: ${(err as Error).message}`, {
      code: 'csv.read',
      exit: ExitCode.badInput,
      at: { file },
      hint: 'check that the file exists and is readable',
      cause: err,
    });
  }
  yield* parser.end();
}
