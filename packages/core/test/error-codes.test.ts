import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConvError, ERROR_CODE_LIST, ERROR_CODES, ExitCode } from '../src/index.js';

const TROUBLESHOOTING = new URL('../../../docs/troubleshooting.md', import.meta.url);

describe('error codes', () => {
  it('has no code twice', () => {
    const seen = new Set<string>();
    const twice = ERROR_CODE_LIST.filter((code) => seen.size === seen.add(code).size);
    expect(twice).toEqual([]);
  });

  it('names every code area.reason, each with a one-line meaning', () => {
    for (const { code, meaning } of ERROR_CODES) {
      expect(code).toMatch(/^[a-z]+(\.[a-z-]+)+$/);
      expect(meaning.trim(), code).not.toBe('');
      expect(meaning, code).not.toContain('\n');
    }
  });

  it('docs/troubleshooting.md lists every code in its Error codes table', () => {
    const doc = readFileSync(TROUBLESHOOTING, 'utf8');
    const section = doc.slice(doc.indexOf('## Error codes'));
    const missing = ERROR_CODE_LIST.filter((code) => !section.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it('builds a ConvError from the options object, with the defaults', () => {
    const bare = new ConvError('boom', { code: 'internal.unexpected' });
    expect(bare).toMatchObject({ code: 'internal.unexpected', exitCode: ExitCode.unexpected, location: {} });
    expect(bare.hint).toBeUndefined();
    expect('cause' in bare).toBe(false);
    const cause = new Error('driver');
    const full = new ConvError('bad row', {
      code: 'import.row-rejected',
      exit: ExitCode.loadFailed,
      at: { table: 't', line: 3 },
      hint: 'fix the row',
      cause,
    });
    expect(full).toMatchObject({
      code: 'import.row-rejected',
      exitCode: 6,
      location: { table: 't', line: 3 },
      hint: 'fix the row',
      cause,
    });
  });
});
