import { ConvError, ExitCode } from '@conv/core';

/**
 * A value an encoder refuses. It names the column; the exporter adds the table and the row key
 * (it knows them, the encoder does not).
 */
export function dataError(column: string, problem: string, hint?: string): ConvError {
  return new ConvError(`column ${column}: ${problem}`, {
    code: 'data.value',
    exit: ExitCode.checkFailed,
    at: { column },
    hint,
  });
}

/** Short printable form of a bad value for messages (never the whole 3 MB blob). */
export function preview(value: unknown): string {
  if (Buffer.isBuffer(value)) {
    const hex = value.subarray(0, 16).toString('hex');
    return `0x${hex}${value.length > 16 ? '…' : ''} (${value.length} bytes)`;
  }
  const text = JSON.stringify(typeof value === 'string' ? value : String(value)) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
