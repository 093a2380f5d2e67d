// Everything the CLI prints goes through here, so that no password can reach the terminal.
import { createProgress, type ProgressReporter, redactText, silentProgress } from '@conv/core';

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

  constructor(
    readonly io: CliIo,
    readonly json: boolean,
    readonly quiet = false,
  ) {}

  /** Passwords to mask in everything printed from now on. */
  addSecrets(secrets: readonly string[]): void {
    for (const s of secrets) if (s && !this.secrets.includes(s)) this.secrets.push(s);
  }

  redact(text: string): string {
    return redactText(text, this.secrets);
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

  /** The machine-readable result, on stdout, once per command. */
  result(value: unknown): void {
    if (this.json) this.io.stdout.write(`${this.redact(JSON.stringify(value, null, 2))}\n`);
  }

  get color(): boolean {
    return !this.json && Boolean(this.io.stdout.isTTY) && !process.env['NO_COLOR'];
  }

  /** A progress reporter on stderr (redacted), or silence when quiet. */
  progress(label: string, totalBytes?: number): ProgressReporter {
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
      intervalMs: 5000,
      ...(totalBytes ? { totalBytes } : {}),
    });
  }
}
