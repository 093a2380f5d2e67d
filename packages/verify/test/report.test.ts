import { describe, expect, it } from 'vitest';
import {
  formatVerifyReport,
  type TableVerifyResult,
  type VerifyReport,
  verifyExitCode,
} from '../src/index.js';

function table(name: string, ok: boolean): TableVerifyResult {
  return {
    table: name,
    target: name,
    sourceRows: 1050,
    targetRows: ok ? 1050 : 1049,
    countMatch: ok,
    checksumMatch: ok,
    mismatches: ok
      ? []
      : [
          { key: { id: 'abc' }, columns: ['firstName'], kind: 'differs' },
          { key: { id: 'def' }, columns: [], kind: 'missing-in-target' },
        ],
    mismatchesTruncated: !ok,
    chunks: { chunking: 'range', total: 3, checked: 3, mismatched: ok ? 0 : 1 },
    ms: 1234,
  };
}

function report(...tables: TableVerifyResult[]): VerifyReport {
  const bad = tables.filter((t) => !t.countMatch || t.checksumMatch === false).length;
  return {
    ok: bad === 0,
    mode: 'full',
    hashIn: 'sql',
    chunkRows: 10_000,
    samplePercent: null,
    tables,
    totals: { tables: tables.length, sourceRows: 2100, targetRows: 2099, mismatchedTables: bad },
    ms: 2500,
  };
}

describe('formatVerifyReport / verifyExitCode', () => {
  it('one line per table with rows on both sides, checksum verdict and time; then the differing rows', () => {
    const text = formatVerifyReport(report(table('space', true), table('user', false)));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^table\s+rows source\s+rows target\s+checksum\s+time$/);
    expect(lines[1]).toMatch(/^space\s+1050\s+1050\s+ok\s+1\.2s$/);
    expect(lines[2]).toMatch(/^user\s+1050\s+1049\s+DIFFERS \(1 chunk\)\s+1\.2s$/);
    expect(text).toContain('user: 1050 rows in MySQL, 1049 in PostgreSQL');
    expect(text).toContain('  id=abc: columns firstName differ');
    expect(text).toContain('  id=def: missing in PostgreSQL');
    expect(text).toContain('more rows differ');
    expect(text).toContain('1 table(s) differ');
    expect(text).not.toContain('\u001b[');
  });

  it('colours only when asked', () => {
    expect(formatVerifyReport(report(table('space', true)), { color: true })).toContain('\u001b[');
  });

  it('exit code 0 when everything matched, 4 otherwise', () => {
    expect(verifyExitCode(report(table('space', true)))).toBe(0);
    expect(verifyExitCode(report(table('space', true), table('user', false)))).toBe(4);
  });

  it('the report survives JSON (for --json)', () => {
    const r = report(table('user', false));
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
