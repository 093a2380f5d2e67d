// Everything the CLI prints goes through here, so that no password can reach the terminal.
import { type ProgressReporter, redactText, silentProgress } from '@conv/core';
import { createProgress } from './progress-display.js';
import type { TimelineEntry } from './report.js';
import { type ConvResult, envelope } from './result-schema.js';

/** Where the CLI writes (process streams by default; tests pass their own). */
export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
}

export class Output {
  private secrets: string[] = [];
  private names: string[] = [];
  /** The command whose document `result` prints (null: the command line did not parse). */
  command: ConvResult['command'] = null;
  private printed = false;
  /** Every table each step started and finished, for the run report (ms since this Output was made). */
  readonly timeline: TimelineEntry[] = [];
  /** When this process started counting (the timeline is in ms since then). */
  readonly began = Date.now();
  /** Library use (runMigration): told when each table of a step starts and finishes. */
  onTable?: (step: string, table: string, phase: 'start' | 'finish', rows?: number, bytes?: number) => void;

  constructor(
    readonly io: CliIo,
    readonly json: boolean,
    readonly quiet = false,
  ) {}

  /**
   * Passwords to mask in everything printed from now on. `names` are the users, databases and hosts in
   * use: a password equal to one of them is masked where it stands as a password, not as the name.
   */
  addSecrets(secrets: readonly string[], names: readonly string[] = []): void {
    for (const s of secrets) if (s && !this.secrets.includes(s)) this.secrets.push(s);
    for (const n of names) if (n && !this.names.includes(n)) this.names.push(n);
  }

  redact(text: string): string {
    return redactText(text, this.secrets, { names: this.names });
  }

  /** The command's report on stdout (skipped with --json: the JSON document is the report). */
  report(text: string): void {
    if (!this.json) this.io.stdout.write(this.redact(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** A progress or status line on stderr. */
  info(text: string): void {
    if (!this.quiet) this.io.stderr.write(this.redact(`${text}\n`));
  }

  error(text: string): void {
    this.io.stderr.write(this.redact(`${text}\n`));
  }

  /**
   * The machine-readable result on stdout: the envelope (ok, exitCode, versions, command) and the payload,
   * exactly once per command (a later call, e.g. from an error after the result, is dropped).
   */
  result(value: Record<string, unknown>): void {
    if (!this.json || this.printed) return;
    this.printed = true;
    const exitCode = typeof value['exitCode'] === 'number' ? value['exitCode'] : 0;
    const doc = { ...envelope(this.command, exitCode), ...value, ok: exitCode === 0, exitCode };
    this.io.stdout.write(`${this.redact(JSON.stringify(doc, null, 2))}\n`);
  }

  /** The ordinary names of a configuration (users, hosts, databases, schema, app), for addSecrets. */
  static namesOf(config: {
    app: string;
    mysqlUrl: string;
    pgUrl: string;
    mysqlDatabase: string;
    pgDatabase: string;
    pgSchema: string;
  }): string[] {
    const fromUrl = (url: string) => {
      try {
        const u = new URL(url);
        return [decodeURIComponent(u.username), u.hostname];
      } catch {
        return [];
      }
    };
    return [
      config.app,
      config.mysqlDatabase,
      config.pgDatabase,
      config.pgSchema,
      ...fromUrl(config.mysqlUrl),
      ...fromUrl(config.pgUrl),
    ].filter(Boolean);
  }

  get color(): boolean {
    return !this.json && Boolean(this.io.stdout.isTTY) && !process.env['NO_COLOR'];
  }

  /** A progress reporter on stderr (redacted), or silence when quiet. */
  progress(label: string, totals: { bytes?: number; rows?: number; tables?: number } = {}): ProgressReporter {
    return this.recorded(label, this.display(label, totals));
  }

  /**
   * A step that starts under another one's display (verify overlapping the load): recorded from the
   * start, shown from `show()` on (tables already started or finished are replayed into the display).
   * With `follows`, it shows itself on first use, closing `follows` first (the load after its validation):
   * two displays never draw at once; closed unused, it closes `follows`.
   */
  deferredProgress(
    label: string,
    totals: { bytes?: number; rows?: number; tables?: number } = {},
    follows?: ProgressReporter,
  ): { progress: ProgressReporter; show(): void } {
    let inner: ProgressReporter | null = null;
    const started = new Map<string, { rows?: number; bytes?: number }>();
    const finished: [string, number, number, number | undefined][] = [];
    const show = () => {
      if (inner) return;
      inner = this.display(label, totals);
      for (const [table, rows, bytes, tables] of finished) {
        inner.start(table, {});
        inner.finish(table, rows, bytes, tables);
      }
      for (const [table, expected] of started) inner.start(table, expected);
    };
    const used = (): ProgressReporter | null => {
      if (!inner && follows) {
        follows.close();
        show();
      }
      return inner;
    };
    const shown: ProgressReporter = {
      start: (table, expected) => {
        const to = used();
        if (to) to.start(table, expected);
        else started.set(table, expected);
      },
      update: (table, rows, bytes) => used()?.update(table, rows, bytes),
      finish: (table, rows, bytes, tables) => {
        const to = used();
        if (to) return to.finish(table, rows, bytes, tables);
        started.delete(table);
        finished.push([table, rows, bytes, tables]);
      },
      log: (line) => used()?.log(line),
      phase: (table, text) => used()?.phase?.(table, text),
      count: (what, done, total) => used()?.count?.(what, done, total),
      // Never shown (the load failed): nothing of its own to close.
      close: () => (inner ?? follows)?.close(),
    };
    return { progress: this.recorded(label, shown), show };
  }

  private recorded(step: string, inner: ProgressReporter): ProgressReporter {
    const starts = new Map<string, number>();
    const now = () => Date.now() - this.began;
    return {
      start: (table, expected) => {
        starts.set(table, now());
        this.onTable?.(step, table, 'start');
        inner.start(table, expected);
      },
      update: (table, rows, bytes) => inner.update(table, rows, bytes),
      finish: (table, rows, bytes, tables) => {
        const end = now();
        this.timeline.push({ step, table, start: starts.get(table) ?? end, end, rows, bytes });
        this.onTable?.(step, table, 'finish', rows, bytes);
        inner.finish(table, rows, bytes, tables);
      },
      log: (line) => inner.log(line),
      close: () => inner.close(),
      phase: (table, text) => inner.phase?.(table, text),
      count: (what, done, total) => inner.count?.(what, done, total),
    };
  }

  private display(
    label: string,
    totals: { bytes?: number; rows?: number; tables?: number },
  ): ProgressReporter {
    if (this.quiet) return silentProgress;
    const stderr = this.io.stderr;
    // Bars only on a real terminal (they print table names and counts, nothing secret);
    // line mode otherwise, through the redacting writer.
    const tty = Boolean(stderr.isTTY) && !this.json;
    const stream = tty
      ? (stderr as unknown as NodeJS.WriteStream)
      : ({
          isTTY: false,
          write: (chunk: string) => stderr.write(this.redact(String(chunk))),
        } as unknown as NodeJS.WriteStream);
    return createProgress({
      stream,
      tty,
      label,
      intervalMs: Number(process.env['CONV_PROGRESS_INTERVAL_MS']) || 5000,
      ...(totals.bytes ? { totalBytes: totals.bytes } : {}),
      ...(totals.rows ? { totalRows: totals.rows } : {}),
      ...(totals.tables ? { totalTables: totals.tables } : {}),
    });
  }
}
