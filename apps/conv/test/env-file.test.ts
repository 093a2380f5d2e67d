// Issue 13 item 11: `.env` is read the way the old scripts' `source .env` (bash) read it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { parseEnvFile } from '../src/env-file.js';

const CASES: [string, string][] = [
  ['an unquoted # inside a value', 'S3cr#t@pw:/x'],
  ['a comment after a blank', 'plain # comment'],
  ['double quotes with # and blanks', '"a # b"'],
  ['single quotes keep backslashes', "'x\\y#z'"],
  ['escapes in double quotes', '"q\\"uote \\\\ back"'],
  ['an escaped blank, unquoted', 'two\\ words'],
  ['joined parts', 'a"b c"\'d\'e'],
  ['a # right after =', '#not-a-comment'],
  ['a trailing comment after a quoted value', "'v' # note"],
  ['a multi-line quoted value', '"line1\nline2"'],
  ['an empty value', ''],
];

function bashValue(file: string, key: string): string {
  return execFileSync('bash', ['-c', `set -a; source "$1"; printf %s "\${${key}}"`, 'bash', file], {
    encoding: 'utf8',
  });
}

describe('.env read like bash `source`', () => {
  it.each(CASES)('%s: same value as bash', (_what, raw) => {
    const dir = mkdtempSync(join(tmpdir(), 'conv-envfile-'));
    const file = join(dir, '.env');
    const text = `# the old scripts' file\nOTHER=1\nexport V=${raw}\nAFTER=2\n`;
    writeFileSync(file, text);
    const parsed = parseEnvFile(text);
    expect(parsed['V']).toBe(bashValue(file, 'V'));
    expect(parsed['AFTER']).toBe('2');
  });

  it('CRLF line ends are read as LF (bash would keep a \\r in every value)', () => {
    expect(parseEnvFile('A=one\r\nB="two"\r\n')).toEqual({ A: 'one', B: 'two' });
  });

  it('MYSQL_PASSWORD=S3cr#t@pw:/x reaches the MySQL URL whole (dotenv read S3cr)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'conv-envfile-'));
    writeFileSync(
      join(cwd, '.env'),
      'MYSQL_HOST=db\nMYSQL_USER=app\nMYSQL_PASSWORD=S3cr#t@pw:/x\nPOSTGRES_HOST=pg\nPOSTGRES_USER=app\n',
    );
    const config = loadConfig({ flags: {}, env: {}, cwd, app: { name: 'alkemio', database: 'alkemio' } });
    expect(decodeURIComponent(new URL(config.mysqlUrl).password)).toBe('S3cr#t@pw:/x');
    expect(config.secrets).toContain('S3cr#t@pw:/x');
  });
});
