// The progress display of the command line: one overall line and the tables under way on a terminal, a
// line every few seconds otherwise. The libraries only call a ProgressReporter (@conv/core); drawing it
// is the CLI's job.
import { formatDuration, formatRate, MB, type ProgressReporter } from '@conv/core';

export interface ProgressOptions {
  /** Where progress goes; stderr by default so stdout stays for reports and --json. */
  stream?: NodeJS.WriteStream;
  /** Force line mode (`false`) or the live display (`true`); default: live when the stream is a TTY. */
  tty?: boolean;
  /** Line mode: one overall line at most this often (default 5000 ms). */
  intervalMs?: number;
  /** Total bytes expected over all tables (MB done/total, rate and ETA by bytes). */
  totalBytes?: number;
  /** Total rows expected, used for the ETA when there are no byte totals (verify). */
  totalRows?: number;
  /** Tables expected, for `done/total`. */
  totalTables?: number;
  /** The step, e.g. `export` or `import`: the first word of every line. */
  label?: string;
  /** Live mode: at most this many active tables below the overall line (default 4). */
  maxActive?: number;
}

interface Active {
  startedAt: number;
  phase?: string;
  rows: number;
  bytes: number;
  expectedRows?: number | undefined;
  expectedBytes?: number | undefined;
}

/** What a step has done so far, across its tables: the numbers every line is made of. */
class Tally {
  readonly began = Date.now();
  readonly active = new Map<string, Active>();
  /** Counts shown beside the tables (`index builds` → done/total). */
  readonly counts = new Map<string, { done: number; total: number }>();
  doneTables = 0;
  doneBytes = 0;
  doneRows = 0;

  constructor(readonly options: ProgressOptions) {}

  get bytes(): number {
    return this.doneBytes + [...this.active.values()].reduce((s, t) => s + t.bytes, 0);
  }

  get rows(): number {
    return this.doneRows + [...this.active.values()].reduce((s, t) => s + t.rows, 0);
  }

  /** `export 12/79 tables · 123.4/345.6 MB · 45.6 MB/s · ETA 5s · 7s` */
  overall(): string {
    const { totalTables, totalBytes, totalRows, label } = this.options;
    const elapsed = Date.now() - this.began;
    const parts = [`${label ?? 'progress'} ${this.doneTables}${totalTables ? `/${totalTables}` : ''} tables`];
    const bytes = this.bytes;
    if (totalBytes || bytes > 0) {
      parts.push(`${(bytes / MB).toFixed(1)}${totalBytes ? `/${(totalBytes / MB).toFixed(1)}` : ''} MB`);
      parts.push(formatRate(bytes, elapsed));
    } else {
      parts.push(`${this.rows}${totalRows ? `/${totalRows}` : ''} rows`);
    }
    for (const [what, c] of this.counts) parts.push(`${what} ${c.done}/${c.total}`);
    const eta = this.eta(elapsed);
    if (eta) parts.push(`ETA ${eta}`);
    parts.push(formatDuration(elapsed));
    return parts.join(' · ');
  }

  private eta(elapsed: number): string {
    const { totalBytes, totalRows } = this.options;
    const [done, total] = totalBytes ? [this.bytes, totalBytes] : totalRows ? [this.rows, totalRows] : [0, 0];
    if (done <= 0 || total <= 0 || elapsed < 1000) return '';
    return formatDuration((elapsed / done) * Math.max(0, total - done));
  }

  activeLine(table: string, t: Active, width: number): string {
    const ms = Date.now() - t.startedAt;
    const pct =
      t.expectedBytes && t.bytes > 0
        ? Math.min(99, Math.floor((t.bytes / t.expectedBytes) * 100))
        : t.expectedRows && t.rows > 0
          ? Math.min(99, Math.floor((t.rows / t.expectedRows) * 100))
          : null;
    const bar =
      pct === null ? '' : `${'█'.repeat(Math.round(pct / 10)).padEnd(10, '░')} ${String(pct).padStart(2)}% `;
    const counts =
      t.rows > 0 || t.bytes > 0
        ? `${t.rows} rows · ${(t.bytes / MB).toFixed(1)} MB · ${formatRate(t.bytes, ms)}`
        : '';
    // Rows are done once a phase (index builds) begins: say what it does instead.
    const doing = t.phase ? `${t.phase} · ` : `${bar}${counts}${counts ? ' · ' : ''}`;
    return `  ${table.length > width ? `${table.slice(0, width - 1)}…` : table.padEnd(width)} ${doing}${formatDuration(ms)}`;
  }

  phase(table: string, text: string): void {
    const t = this.active.get(table);
    if (t) t.phase = text;
  }

  count(what: string, done: number, total: number): void {
    this.counts.set(what, { done, total });
  }

  summary(): string {
    const elapsed = Date.now() - this.began;
    const { label } = this.options;
    const counts = [...this.counts].map(([what, c]) => `, ${what} ${c.done}/${c.total}`).join('');
    return `${label ?? 'progress'} done: ${this.doneTables} tables${this.doneRows ? `, ${this.doneRows} rows` : ''}${this.doneBytes ? `, ${(this.doneBytes / MB).toFixed(1)} MB` : ''}${counts} in ${formatDuration(elapsed)}${this.doneBytes ? ` (${formatRate(this.doneBytes, elapsed)})` : ''}`;
  }

  start(table: string, expected: { rows?: number; bytes?: number }): void {
    this.active.set(table, {
      startedAt: Date.now(),
      rows: 0,
      bytes: 0,
      expectedRows: expected.rows,
      expectedBytes: expected.bytes,
    });
  }

  update(table: string, rows: number, bytes: number): void {
    const t = this.active.get(table);
    if (!t) return;
    t.rows = rows;
    t.bytes = bytes;
  }

  finish(table: string, rows: number, bytes: number, tables = 1): void {
    this.active.delete(table);
    this.doneTables += tables;
    this.doneRows += rows;
    this.doneBytes += bytes;
  }
}

/**
 * Progress of one step. On a terminal: one overall line (step, tables done/total, MB done/total, rate,
 * ETA) and the few tables under way, redrawn in place; finished tables only count in the overall line,
 * and lines logged meanwhile scroll above the display. Otherwise: the overall line every `intervalMs`.
 * Both end with one summary line, so what earlier steps printed stays readable.
 */
export function createProgress(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const tally = new Tally(options);
  return tty ? liveDisplay(stream, tally, options) : lineDisplay(stream, tally, options.intervalMs ?? 5000);
}

function lineDisplay(stream: NodeJS.WriteStream, tally: Tally, interval: number): ProgressReporter {
  const write = (line: string) => stream.write(`${line}\n`);
  let last = Date.now();
  const tick = () => {
    const now = Date.now();
    if (now - last < interval) return;
    last = now;
    const names = [...tally.active].map(([name, t]) => (t.phase ? `${name} (${t.phase})` : name));
    write(
      `${tally.overall()}${names.length ? ` · now: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` +${names.length - 3}` : ''}` : ''}`,
    );
  };
  // Steps whose tables never report in between (verify, one long table) still get their line.
  const timer = setInterval(tick, Math.max(250, Math.min(interval, 1000)));
  timer.unref();
  return {
    start(table, expected) {
      tally.start(table, expected);
      tick();
    },
    update(table, rows, bytes) {
      tally.update(table, rows, bytes);
      tick();
    },
    finish(table, rows, bytes, tables) {
      tally.finish(table, rows, bytes, tables);
      tick();
    },
    log(line) {
      write(line);
    },
    phase(table, text) {
      tally.phase(table, text);
      tick();
    },
    count(what, done, total) {
      tally.count(what, done, total);
      tick();
    },
    close() {
      clearInterval(timer);
      if (tally.doneTables > 0) write(tally.summary());
    },
  };
}

function liveDisplay(stream: NodeJS.WriteStream, tally: Tally, options: ProgressOptions): ProgressReporter {
  const maxActive = options.maxActive ?? 4;
  let drawn = 0;
  let closed = false;
  const clear = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}A\r\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (closed) return;
    const columns = stream.columns || 100;
    const names = [...tally.active.keys()];
    const width = Math.min(28, Math.max(8, ...names.map((n) => n.length)));
    const lines = [tally.overall()];
    for (const name of names.slice(0, maxActive)) {
      const t = tally.active.get(name);
      if (t) lines.push(tally.activeLine(name, t, width));
    }
    if (names.length > maxActive) lines.push(`  … and ${names.length - maxActive} more`);
    clear();
    // Never wider than the terminal: a wrapped line would break the cursor arithmetic.
    stream.write(
      `${lines.map((l) => (l.length >= columns ? `${l.slice(0, columns - 2)}…` : l)).join('\n')}\n`,
    );
    drawn = lines.length;
  };
  const timer = setInterval(draw, 200);
  timer.unref();
  stream.write('\x1b[?25l');
  draw();
  return {
    start(table, expected) {
      tally.start(table, expected);
    },
    update(table, rows, bytes) {
      tally.update(table, rows, bytes);
    },
    finish(table, rows, bytes, tables) {
      tally.finish(table, rows, bytes, tables);
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      draw();
    },
    phase(table, text) {
      tally.phase(table, text);
    },
    count(what, done, total) {
      tally.count(what, done, total);
    },
    close() {
      if (closed) return;
      clearInterval(timer);
      clear();
      closed = true;
      if (tally.doneTables > 0) stream.write(`${tally.summary()}\n`);
      stream.write('\x1b[?25h');
    },
  };
}
