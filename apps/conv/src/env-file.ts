// Reads a `.env` file the way the old migration scripts did: `set -a; source .env` in bash. dotenv
// differs where it matters for passwords: it ends an unquoted value at `#` (`S3cr#t` → `S3cr`), bash
// only starts a comment at a `#` that begins a word.

const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*/;

/**
 * Parses `KEY=value` lines with bash's quoting: unquoted words (a `\` escapes the next character, the
 * value ends at unquoted blank, a `#` after a blank starts a comment), `'…'` literal, `"…"` with `\"`,
 * `\\`, `\$`, `` \` `` escapes; quoted values may span lines; adjacent parts join (`a"b"'c'`). `$VAR` is
 * not expanded (neither did the dotenv reading). Lines that are not assignments are ignored, as dotenv
 * does. Blanks around `=` are tolerated (dotenv accepted them; bash would not have assigned), and CRLF
 * line ends are read as LF (bash would have kept the `\r` in the value).
 */
export function parseEnvFile(text: string): Record<string, string> {
  const src = text.replace(/\r\n?/g, '\n');
  const vars: Record<string, string> = {};
  let i = 0;
  while (i < src.length) {
    const eol = src.indexOf('\n', i);
    const line = src.slice(i, eol < 0 ? src.length : eol);
    const m = ASSIGNMENT.exec(line);
    if (!m) {
      i = eol < 0 ? src.length : eol + 1;
      continue;
    }
    const { value, end } = readValue(src, i + m[0].length);
    vars[m[1] as string] = value;
    const next = src.indexOf('\n', end);
    i = next < 0 ? src.length : next + 1;
  }
  return vars;
}

/** One shell word from `start`: returns its value and where it ended (at a blank, newline or end). */
function readValue(src: string, start: number): { value: string; end: number } {
  let out = '';
  let i = start;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === '\n' || ch === ' ' || ch === '\t' || ch === ';') break;
    if (ch === '\\') {
      if (src[i + 1] === '\n')
        i += 2; // line continuation
      else if (i + 1 < src.length) {
        out += src[i + 1];
        i += 2;
      } else i++;
      continue;
    }
    if (ch === "'") {
      const close = src.indexOf("'", i + 1);
      const stop = close < 0 ? src.length : close;
      out += src.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length && '"\\$`\n'.includes(src[i + 1] as string)) {
          if (src[i + 1] !== '\n') out += src[i + 1];
          i += 2;
        } else out += src[i++];
      }
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  return { value: out, end: i };
}
