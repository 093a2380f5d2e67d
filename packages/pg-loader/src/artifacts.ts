import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { redactText } from '@conv/core';

/** `YYYYmmdd_HHMMSS` in UTC, like the export directory names. */
export function timestampOf(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

function openText(path: string): WriteStream {
  return createWriteStream(path, { flags: 'wx', encoding: 'utf8' });
}

/** Picks `<prefix><ts>.<ext>` names that do not exist yet (two runs in one second get `_2`, `_3` …). */
function freeNames(dir: string, ts: string): { script: string; log: string } {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? ts : `${ts}_${n}`;
    const script = join(dir, `import_script_${suffix}.sql`);
    const log = join(dir, `import_log_${suffix}.log`);
    if (!existsSync(script) && !existsSync(log)) return { script, log };
  }
}

/**
 * The two debugging files of an import, next to the CSV files:
 * - the script: every statement sent to the target, in order, runnable with `psql -f` from the
 *   export directory (COPYs appear as `\copy … from 'file'` lines);
 * - the log: timestamped steps, counts, durations, errors.
 * Both go through redaction with the connection password as a secret.
 */
export class ImportArtifacts {
  readonly scriptFile: string;
  readonly logFile: string;
  private readonly script: WriteStream;
  private readonly log: WriteStream;

  constructor(
    dir: string,
    now: Date,
    private readonly secrets: string[],
  ) {
    const names = freeNames(dir, timestampOf(now));
    this.scriptFile = names.script;
    this.logFile = names.log;
    this.script = openText(this.scriptFile);
    this.log = openText(this.logFile);
  }

  statement(text: string): void {
    const line = text.startsWith('\\') ? text : `${text};`;
    this.script.write(`${redactText(line, this.secrets)}\n`);
  }

  comment(text: string): void {
    for (const line of redactText(text, this.secrets).split('\n')) this.script.write(`-- ${line}\n`);
  }

  info(line: string): void {
    this.log.write(`${new Date().toISOString()} ${redactText(line, this.secrets)}\n`);
  }

  async close(): Promise<void> {
    await Promise.all(
      [this.script, this.log].map(
        (s) =>
          new Promise<void>((resolve, reject) =>
            s.end((err?: Error | null) => (err ? reject(err) : resolve())),
          ),
      ),
    );
  }
}
