import cliProgress from 'cli-progress';

export interface ProgressReporter {
  /** A table starts; totals are what is expected (exact or estimated), for percentages and ETA. */
  start(table: string, expected: { rows?: number; bytes?: number }): void;
  /** Absolute counts so far for a table. */
  update(table: string, rows: number, bytes: number): void;
  finish(table: string, rows: number, bytes: number): void;
  /** A line of text that must not tear the bars. */
  log(line: string): void;
  close(): void;
}

export interface ProgressOptions {
  /** Where progress goes; stderr by default so stdout stays for reports and --json. */
  stream?: NodeJS.WriteStream;
  /** Force line mode (`false`) or bars (`true`); default: bars when the stream is a TTY. */
  tty?: boolean;
  /** Line mode: at most one line per table per this many ms. */
  intervalMs?: number;
  /** Total bytes expected over all tables, for the overall ETA. */
  totalBytes?: number;
  /** Verb shown in lines, e.g. `export` or `import`. */
  label?: string;
}

export const MB = 1024 * 1024;

export function formatRate(bytes: number, ms: number): string {
  return ms > 0 ? `${(bytes / MB / (ms / 1000)).toFixed(1)} MB/s` : '- MB/s';
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A reporter that prints nothing (library use, tests). */
export const silentProgress: ProgressReporter = {
  start() {},
  update() {},
  finish() {},
  log() {},
  close() {},
};

interface TableState {
  startedAt: number;
  rows: number;
  bytes: number;
  expectedRows?: number;
  lastLine: number;
  bar?: cliProgress.SingleBar;
}

export function createProgress(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const interval = options.intervalMs ?? 5000;
  const label = options.label ?? 'progress';
  const began = Date.now();
  const tables = new Map<string, TableState>();
  let doneBytes = 0;

  const overallEta = (): string => {
    if (!options.totalBytes) return '';
    const moved = doneBytes + [...tables.values()].reduce((sum, t) => sum + t.bytes, 0);
    if (moved <= 0) return '';
    const elapsed = Date.now() - began;
    return ` · overall ETA ${formatDuration((elapsed / moved) * Math.max(0, options.totalBytes - moved))}`;
  };

  if (tty) {
    const multi = new cliProgress.MultiBar(
      {
        stream,
        format: ' {table} |{bar}| {rows} rows · {mb} MB · {rate}{eta}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        barsize: 24,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = (name: string, t: TableState) => ({
      table: name.padEnd(28).slice(0, 28),
      rows: t.rows,
      mb: (t.bytes / MB).toFixed(1),
      rate: formatRate(t.bytes, Date.now() - t.startedAt),
      eta: overallEta(),
    });
    return {
      start(table, expected) {
        const t: TableState = {
          startedAt: Date.now(),
          rows: 0,
          bytes: 0,
          expectedRows: expected.rows,
          lastLine: 0,
        };
        t.bar = multi.create(Math.max(1, expected.rows ?? 1), 0, payload(table, t));
        tables.set(table, t);
      },
      update(table, rows, bytes) {
        const t = tables.get(table);
        if (!t?.bar) return;
        t.rows = rows;
        t.bytes = bytes;
        if (t.expectedRows !== undefined && rows > t.expectedRows) t.bar.setTotal(rows);
        t.bar.update(rows, payload(table, t));
      },
      finish(table, rows, bytes) {
        const t = tables.get(table);
        if (!t?.bar) return;
        t.rows = rows;
        t.bytes = bytes;
        t.bar.setTotal(Math.max(1, rows));
        t.bar.update(Math.max(1, rows), payload(table, t));
        tables.delete(table);
        doneBytes += bytes;
      },
      log(line) {
        multi.log(`${line}\n`);
      },
      close() {
        multi.stop();
      },
    };
  }

  const write = (line: string) => stream.write(`${line}\n`);
  return {
    start(table, expected) {
      tables.set(table, {
        startedAt: Date.now(),
        rows: 0,
        bytes: 0,
        expectedRows: expected.rows,
        lastLine: Date.now(),
      });
    },
    update(table, rows, bytes) {
      const t = tables.get(table);
      if (!t) return;
      t.rows = rows;
      t.bytes = bytes;
      const now = Date.now();
      if (now - t.lastLine >= interval) {
        t.lastLine = now;
        write(
          `${label} ${table}: ${rows} rows, ${(bytes / MB).toFixed(1)} MB, ${formatRate(bytes, now - t.startedAt)}${overallEta()}`,
        );
      }
    },
    finish(table, rows, bytes) {
      const t = tables.get(table);
      const ms = t ? Date.now() - t.startedAt : 0;
      tables.delete(table);
      doneBytes += bytes;
      write(
        `${label} ${table}: done, ${rows} rows, ${(bytes / MB).toFixed(1)} MB in ${formatDuration(ms)} (${formatRate(bytes, ms)})`,
      );
    },
    log(line) {
      write(line);
    },
    close() {},
  };
}
