export interface ProgressReporter {
  /** A table starts; totals are what is expected (exact or estimated), for percentages and ETA. */
  start(table: string, expected: { rows?: number; bytes?: number }): void;
  /** Absolute counts so far for a table. */
  update(table: string, rows: number, bytes: number): void;
  /**
   * `tables`: how many tables this completes (default 1; 0 for a key range of a split table that is not
   * the last one in), so that the tables count stays the plan's.
   */
  finish(table: string, rows: number, bytes: number, tables?: number): void;
  /** A line of text that must not tear the progress display. */
  log(line: string): void;
  close(): void;
  /** What a table under way is doing now when it is not moving rows (e.g. `index 2/3 ix_name`). */
  phase?(table: string, text: string): void;
  /** A count of the step beside its tables, shown in the overall line: `index builds 3/12`. */
  count?(what: string, done: number, total: number): void;
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
