// The executables' stdout/stderr. A reader that goes away (`conv export | head -1`) is not an error: the
// rest of the output is dropped and the command finishes its work and its audit events as usual.
import type { CliIo, CliStream } from './output.js';

function closable(stream: NodeJS.WriteStream): CliStream {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      closed = true;
      return;
    }
    throw err;
  });
  return {
    get isTTY() {
      return stream.isTTY;
    },
    write(text: string) {
      return closed || stream.destroyed ? true : stream.write(text);
    },
  };
}

/** process.stdout (tolerant of a closed pipe) and process.stderr. */
export function processIo(): CliIo {
  // stderr stays the real stream (progress bars draw on it); a closed stderr only loses lines.
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
  return { stdout: closable(process.stdout), stderr: process.stderr };
}
