import { closeSync, createWriteStream, existsSync, openSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { type ConvError, fileWriteError, redactText } from '@conv/core';

/** `YYYYmmdd_HHMMSS` in UTC, like the export directory names. */
export function timestampOf(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

const HINT =
  'The import writes its script and log next to the CSV files: make the export directory writable (or copy it to a writable place) and free space there; nothing was loaded past the last committed table.';

/**
 * Creates `<prefix><ts>.<ext>` files that did not exist (two runs in one second get `_2`, `_3` …). The
 * files are created exclusively (`wx`): a name another process took between the check and the open is
 * skipped, never a crash.
 */
function openFree(dir: string, ts: string): { script: string; log: string; fds: [number, number] } {
  for (let n = 1; n < 1000; n++) {
    const suffix = n === 1 ? ts : `${ts}_${n}`;
    const script = join(dir, `import_script_${suffix}.sql`);
    const log = join(dir, `import_log_${suffix}.log`);
    if (existsSync(script) || existsSync(log)) continue;
    let scriptFd: number | undefined;
    try {
      scriptFd = openSync(script, 'wx');
      return { script, log, fds: [scriptFd, openSync(log, 'wx')] };
    } catch (err) {
      if (scriptFd !== undefined) closeSync(scriptFd);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw fileWriteError(err, scriptFd === undefined ? script : log, {
        hint: HINT,
      });
    }
  }
  throw fileWriteError(new Error('no free name'), join(dir, `import_script_${ts}.sql`), { hint: HINT });
}

/**
 * The two debugging files of an import, next to the CSV files:
 * - the script: every statement sent to the target, in order, runnable with `psql -f` from the
 *   export directory (COPYs appear as `\copy … from 'file'` lines);
 * - the log: timestamped steps, counts, durations, errors.
 * Both go through redaction with the connection password as a secret. A write that fails (disk full,
 * file system gone read-only) is kept and raised by `check()`/`sync()` — before the COMMIT — and by
 * `close()`, never as an unhandled stream error.
 */
export class ImportArtifacts {
  readonly scriptFile: string;
  readonly logFile: string;
  private readonly script: WriteStream;
  private readonly log: WriteStream;
  private failure: ConvError | undefined;

  constructor(
    dir: string,
    now: Date,
    private readonly secrets: string[],
  ) {
    const opened = openFree(dir, timestampOf(now));
    this.scriptFile = opened.script;
    this.logFile = opened.log;
    this.script = this.stream(opened.fds[0], this.scriptFile);
    this.log = this.stream(opened.fds[1], this.logFile);
  }

  private stream(fd: number, path: string): WriteStream {
    const s = createWriteStream(path, { fd, encoding: 'utf8' });
    s.on('error', (err) => this.fail(err, path));
    return s;
  }

  private streams(): [WriteStream, string][] {
    return [
      [this.script, this.scriptFile],
      [this.log, this.logFile],
    ];
  }

  /** Keeps the first failure (a write callback may report it before the stream's 'error' event). */
  private fail(err: Error | null | undefined, path: string): void {
    if (err && !this.failure) this.failure = fileWriteError(err, path, { hint: HINT });
  }

  /** Throws the first write failure, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits until everything written so far is on disk (or failed): called before COMMIT. */
  async sync(): Promise<void> {
    await Promise.all(
      this.streams().map(
        ([s, path]) =>
          new Promise<void>((resolve) =>
            s.destroyed ? resolve() : s.write('', (err) => resolve(this.fail(err, path))),
          ),
      ),
    );
    this.check();
  }

  statement(text: string): void {
    const line = text.startsWith('\\') ? text : `${text};`;
    this.write(this.script, `${redactText(line, this.secrets)}\n`);
  }

  comment(text: string): void {
    for (const line of redactText(text, this.secrets).split('\n')) this.write(this.script, `-- ${line}\n`);
  }

  info(line: string): void {
    this.write(this.log, `${new Date().toISOString()} ${redactText(line, this.secrets)}\n`);
  }

  private write(s: WriteStream, text: string): void {
    if (!s.destroyed) s.write(text);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.streams().map(
        ([s, path]) =>
          new Promise<void>((resolve) =>
            s.destroyed ? resolve() : s.end((err?: Error | null) => resolve(this.fail(err, path))),
          ),
      ),
    );
    this.check();
  }
}
