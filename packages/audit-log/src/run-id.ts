import { randomBytes } from 'node:crypto';

/**
 * A run id that sorts by start time and is unique across hosts and processes:
 * `20261124T070400Z-3f9a1c2b` (UTC start second + 32 random bits).
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll('-', '')
    .replaceAll(':', '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}
