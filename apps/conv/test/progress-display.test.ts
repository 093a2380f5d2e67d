import { MB } from '@conv/core';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress-display.js';

function sink(isTTY: boolean, columns = 120) {
  const s = {
    out: '',
    isTTY,
    columns,
    write(text: string) {
      s.out += text;
      return true;
    },
  };
  return s;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress without a terminal', () => {
  it('prints one overall line every interval, not one per table, and a summary at the end', async () => {
    const s = sink(false);
    const p = createProgress({
      stream: s as unknown as NodeJS.WriteStream,
      tty: false,
      label: 'export',
      intervalMs: 300,
      totalBytes: 100 * MB,
      totalTables: 50,
    });
    for (let i = 0; i < 40; i++) {
      p.start(`t${i}`, { rows: 1 });
      p.finish(`t${i}`, 1, MB);
    }
    p.start('big', { bytes: 60 * MB });
    p.update('big', 1000, 10 * MB);
    await wait(1300);
    p.log('a note');
    p.close();
    const lines = s.out.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(7);
    expect(
      lines.some((l) =>
        /^export 40\/50 tables · 50\.0\/100\.0 MB · [\d.]+ MB\/s · ETA \S+ · \d+s · now: big$/.test(l),
      ),
    ).toBe(true);
    expect(lines).toContain('a note');
    expect(lines.at(-1)).toMatch(/^export done: 40 tables, 40 rows, 40\.0 MB in \d+s \([\d.]+ MB\/s\)$/);
    expect(s.out).not.toContain('\x1b');
  });
});

describe('progress on a terminal', () => {
  it('draws the overall line and the active tables in place; finished tables collapse into the count', async () => {
    const s = sink(true, 100);
    const p = createProgress({
      stream: s as unknown as NodeJS.WriteStream,
      tty: true,
      label: 'import',
      totalBytes: 10 * MB,
      totalTables: 9,
      maxActive: 2,
    });
    p.start('done_table', { rows: 5 });
    p.finish('done_table', 5, MB);
    for (const t of ['alpha', 'beta', 'gamma']) p.start(t, { rows: 100, bytes: 2 * MB });
    p.update('alpha', 50, MB);
    await wait(450);
    const frame = s.out.slice(s.out.lastIndexOf('\x1b[J') + 3);
    const lines = frame.trim().split('\n');
    expect(lines[0]).toMatch(/^import 1\/9 tables · 2\.0\/10\.0 MB · /);
    expect(lines[1]).toMatch(/^ {2}alpha\s+█████░░░░░ 50% 50 rows · 1\.0 MB · /);
    expect(lines[2]).toMatch(/^ {2}beta\s+\d+s$/);
    expect(lines[3]).toBe('  … and 1 more');
    expect(frame).not.toContain('done_table');
    // The ETA is its own field, never glued to the rate (the old `{eta}` token clash: `9.8 MB/s32`).
    expect(lines[0]).not.toMatch(/MB\/s\d/);
    p.log('index build: 3 indexes');
    for (const t of ['alpha', 'beta', 'gamma']) p.finish(t, 100, 2 * MB);
    p.close();
    const tail = s.out.slice(s.out.lastIndexOf('\x1b[J') + 3);
    expect(tail).toMatch(/^import done: 4 tables, 305 rows, 7\.0 MB in \d+s \([\d.]+ MB\/s\)\n\x1b\[\?25h$/);
    expect(s.out).toContain('index build: 3 indexes\n');
    // No line wider than the terminal (a wrapped line would break the redraw).
    for (const line of s.out.split(/\n|\x1b\[J/))
      expect(line.replace(/\x1b\[[^a-zA-Z]*[a-zA-Z]/g, '').length).toBeLessThan(100);
  });
});

describe('a phase of a table and a count of the step (index builds)', () => {
  it('shows what a table does after its rows (index build k/n) and the step-wide count, in both modes', async () => {
    const t = sink(true, 100);
    const live = createProgress({ stream: t as unknown as NodeJS.WriteStream, tty: true, label: 'import' });
    live.start('account', { rows: 40, bytes: MB });
    live.update('account', 40, MB);
    live.count?.('index builds', 0, 3);
    live.phase?.('account', 'index build 1/2: account_name');
    await wait(450);
    const frame = t.out
      .slice(t.out.lastIndexOf('\x1b[J') + 3)
      .trim()
      .split('\n');
    expect(frame[0]).toMatch(/^import 0 tables · 1\.0 MB · .* · index builds 0\/3 · /);
    expect(frame[1]).toMatch(/^ {2}account\s+index build 1\/2: account_name · \d+s$/);
    live.count?.('index builds', 3, 3);
    live.finish('account', 40, MB);
    live.close();
    expect(t.out).toMatch(/import done: 1 tables, 40 rows, 1\.0 MB, index builds 3\/3 in \d+s/);

    const l = sink(false);
    const lines = createProgress({
      stream: l as unknown as NodeJS.WriteStream,
      tty: false,
      label: 'import',
      intervalMs: 1,
    });
    lines.start('post', { rows: 5 });
    await wait(5);
    lines.phase?.('post', 'index build 1/1: post_body');
    expect(l.out).toContain('now: post (index build 1/1: post_body)');
    lines.close();
  });
});
