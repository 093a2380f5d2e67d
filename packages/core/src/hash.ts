import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal data always gives the same text (and hash). */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Hash of a plan (or any JSON value), stable across key order. */
export function hashJson(value: unknown): string {
  return sha256Hex(stableStringify(value));
}
