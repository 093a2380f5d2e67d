/** Turning sampled MySQL values into printable text for findings. */

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A value as a report shows it: text when it is valid UTF-8 without control bytes, else `0x…` hex. */
export function printable(value: unknown, maxChars = 80): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid date' : value.toISOString();
  if (Buffer.isBuffer(value)) {
    let text: string | null = null;
    try {
      text = decoder.decode(value);
    } catch {
      text = null;
    }
    // A NUL byte or invalid UTF-8 is exactly what the reader must see: show the bytes.
    if (text === null || text.includes('\0'))
      return `0x${value.subarray(0, 64).toString('hex')}${value.length > 64 ? '…' : ''}`;
    value = text;
  }
  const s = String(value);
  return s.length > maxChars ? `${s.slice(0, maxChars)}…` : s;
}

/** A row key value (PK columns can be binary, dates or big integers). */
export function keyText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return printable(value, 200);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
