import { describe, expect, it } from 'vitest';
import {
  ConvError,
  connectionError,
  ExitCode,
  hashJson,
  ManifestSchema,
  redactText,
  redactUrl,
  serverOf,
  stableStringify,
} from '../src/index.js';

describe('redaction', () => {
  it('masks the password of a URL and keeps the rest', () => {
    expect(redactUrl('mysql://root:p%40ss@db.example:3307/alkemio')).toBe(
      'mysql://root:***@db.example:3307/alkemio',
    );
    expect(redactUrl('postgres://u@h/db?password=x&sslmode=require')).toBe(
      'postgres://u@h/db?password=***&sslmode=require',
    );
  });

  it('masks credentials inside free text and any listed secret', () => {
    const text = 'connect postgres://app:hunter2@10.0.0.1:5432/x failed; MYSQL_PASSWORD=hunter2';
    const out = redactText(text, ['hunter2']);
    expect(out).not.toContain('hunter2');
    expect(out).toContain('postgres://app:***@10.0.0.1:5432/x');
  });

  it('reduces a URL to host:port', () => {
    expect(serverOf('mysql://root:secret@127.0.0.1/db')).toBe('127.0.0.1:3306');
    expect(serverOf('postgres://x:y@pg:6543/db')).toBe('pg:6543');
  });
});

describe('stable hashing', () => {
  it('ignores key order and distinguishes values', () => {
    expect(stableStringify({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(hashJson({ a: 1, b: 2 })).toBe(hashJson({ b: 2, a: 1 }));
    expect(hashJson({ a: 1 })).not.toBe(hashJson({ a: 2 }));
  });
});

describe('errors and manifest schema', () => {
  it('carries an exit code and a location', () => {
    const err = new ConvError('bad row', {
      code: 'import.row-rejected',
      exit: ExitCode.loadFailed,
      at: { table: 't', line: 3 },
    });
    expect(err.exitCode).toBe(6);
    expect(err.location).toEqual({ table: 't', line: 3 });
  });

  it('builds a connection error that names the server and hides every secret', () => {
    const url = 'postgres://app:hunter2@db:5432/x';
    const err = connectionError('PostgreSQL', url, new Error(`failed for ${url} (token s3cret)`), {
      secrets: ['s3cret'],
      hint: 'check the URL',
    });
    expect(err.exitCode).toBe(ExitCode.connection);
    expect(err.code).toBe('connect.failed');
    expect(err.location).toEqual({ engine: 'PostgreSQL' });
    expect(err.hint).toBe('check the URL');
    expect(err.message).toMatch(
      /^cannot connect to PostgreSQL at postgres:\/\/app:\*\*\*@db:5432\/x: failed for /,
    );
    expect(err.message).not.toMatch(/hunter2|s3cret/);
  });

  it('rejects a manifest with a malformed sha256', () => {
    const res = ManifestSchema.safeParse({ manifestVersion: 1, tables: [{ sha256: 'xyz' }] });
    expect(res.success).toBe(false);
  });
});

describe('redaction of a password that is also a name', () => {
  it('masks it where it stands as a password, not where it is the role or database name', () => {
    const text =
      'PostgreSQL postgres://postgres:postgres@127.0.0.1:5432/postgres as role postgres; POSTGRES_PASSWORD=postgres';
    expect(redactText(text, ['postgres'], { names: ['postgres'] })).toBe(
      'PostgreSQL postgres://postgres:***@127.0.0.1:5432/postgres as role postgres; POSTGRES_PASSWORD=***',
    );
    // Without the names, every occurrence goes (the safe default for libraries).
    expect(redactText('role postgres', ['postgres'])).toBe('role ***');
  });

  it('masks password pairs in any spelling, and leaves the driver’s "using password: YES" alone', () => {
    expect(redactText('MYSQL_ROOT_PASSWORD=s3 and "password":"x y" and ?password=z&a=1')).toBe(
      'MYSQL_ROOT_PASSWORD=*** and "password":*** and ?password=***&a=1',
    );
    expect(redactText("Access denied for user 'root'@'h' (using password: YES)")).toContain(
      'using password: YES',
    );
  });
});
