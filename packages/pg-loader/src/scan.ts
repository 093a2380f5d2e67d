import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const QUOTE = 0x22;
const LF = 0x0a;
/** A header longer than this is not a header: refuse rather than read a whole file. */
const MAX_HEADER_BYTES = 1024 * 1024;

/** sha256 and size of a file, streamed (memory stays flat for a 5 GB file). */
export async function sha256OfFile(
  path: string,
  highWaterMark = 1024 * 1024,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Counts CSV records (line feeds outside quotes) chunk by chunk. Jumps between quotes and line feeds
 * with Buffer.indexOf (memchr), so a file with few quoted fields costs about as much as hashing it.
 * A `""` inside quotes toggles twice: the parity stays right.
 */
export class CsvRecordCounter {
  records = 0;
  private inQuote = false;

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const q = chunk.indexOf(QUOTE, pos);
      if (this.inQuote) {
        if (q < 0) return;
        this.inQuote = false;
        pos = q + 1;
        continue;
      }
      const end = q < 0 ? chunk.length : q;
      for (let lf = chunk.indexOf(LF, pos); lf >= 0 && lf < end; lf = chunk.indexOf(LF, lf + 1))
        this.records++;
      if (q < 0) return;
      this.inQuote = true;
      pos = q + 1;
    }
  }
}

/** sha256, size and CSV record count (header included) of a file, in one streamed read. */
export async function scanCsvFile(
  path: string,
  highWaterMark = 1024 * 1024,
): Promise<{ sha256: string; bytes: number; records: number }> {
  const hash = createHash('sha256');
  const counter = new CsvRecordCounter();
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    counter.push(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes, records: counter.records };
}

/**
 * The first CSV record of a file (its header), parsed; a quoted name may hold a line break.
 * Reads only as far as the end of that record. Null when there is no complete first record.
 */
export async function readCsvHeader(path: string, chunkSize = 64 * 1024): Promise<string[] | null> {
  const file = await open(path, 'r');
  try {
    const parts: Buffer[] = [];
    let inQuote = false;
    let read = 0;
    while (read < MAX_HEADER_BYTES) {
      const buf = Buffer.alloc(chunkSize);
      const { bytesRead } = await file.read(buf, 0, chunkSize, read);
      if (bytesRead === 0) return null;
      const chunk = buf.subarray(0, bytesRead);
      for (let k = 0; k < chunk.length; k++) {
        const b = chunk[k];
        if (b === QUOTE) inQuote = !inQuote;
        else if (b === LF && !inQuote) {
          parts.push(chunk.subarray(0, k));
          return parseCsvRecord(Buffer.concat(parts).toString('utf8'));
        }
      }
      parts.push(chunk);
      read += bytesRead;
    }
    return null;
  } finally {
    await file.close();
  }
}

/** Splits one CSV record (PostgreSQL CSV: `"` quotes, `""` inside quotes). A trailing CR is dropped. */
export function parseCsvRecord(line: string): string[] {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}
