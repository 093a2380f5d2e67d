import { describe, expect, it } from 'vitest';
import { advanceGtid } from '../src/index.js';

describe('advanceGtid: the executed GTIDs stored with the applied position', () => {
  it('MariaDB: last domain-server-seq per domain (the form of gtid_binlog_pos)', () => {
    expect(advanceGtid('0-1-10', ['0-1-11', '0-1-12'], true)).toBe('0-1-12');
    expect(advanceGtid('0-1-10,1-2-5', ['1-2-6', '2-3-1'], true)).toBe('0-1-10,1-2-6,2-3-1');
    expect(advanceGtid('', ['0-1-1'], true)).toBe('0-1-1');
    // a fail-over within a domain: the new server's id replaces the old one's entry
    expect(advanceGtid('0-1-10', ['0-2-3'], true)).toBe('0-2-3');
  });

  it('MySQL 8: a GTID set with intervals (the form of gtid_executed)', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const v = '4a5b6c7d-0000-11e1-9e33-c80aa9429562';
    expect(advanceGtid(`${u}:1-5`, [`${u}:6`, `${u}:7`], false)).toBe(`${u}:1-7`);
    expect(advanceGtid(`${u}:1-5`, [`${v}:1`], false)).toBe(`${u}:1-5,${v}:1`);
    expect(advanceGtid(`${u}:1-5`, [], false)).toBe(`${u}:1-5`);
  });
});
