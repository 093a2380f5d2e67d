import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvError, ExitCode } from '@conv/core';
import { describe, expect, it } from 'vitest';
import { type ConfigFlags, type Env, loadConfig } from '../src/config.js';

function dirWithEnvFile(content?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'conv-config-'));
  if (content !== undefined) writeFileSync(join(dir, '.env'), content);
  return dir;
}

function load(flags: ConfigFlags, env: Env, cwd: string, app = { name: 'alkemio', database: 'alkemio' }) {
  return loadConfig({ flags, env, cwd, app });
}

function configError(fn: () => unknown): ConvError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConvError);
    return err as ConvError;
  }
  throw new Error('expected a configuration error');
}

describe('configuration precedence: flags > environment > .env', () => {
  it('builds the URLs from the old scripts variables in .env', () => {
    const cwd = dirWithEnvFile(
      [
        'MYSQL_HOST=mysql.internal',
        'MYSQL_PORT=3307',
        'MYSQL_ROOT_PASSWORD=r00t-secret',
        'POSTGRES_HOST=pg.internal',
        'POSTGRES_PORT=6543',
        'POSTGRES_USER=alk',
        'POSTGRES_PASSWORD=pg-secret',
        'MYSQL_ALKEMIO_DATABASE=alkemio_prod',
        'POSTGRES_ALKEMIO_DATABASE=alkemio_pg',
        'CSV_EXPORT_BASE_DIR=./out',
      ].join('\n'),
    );
    const config = load({}, {}, cwd);
    expect(config.mysqlUrl).toBe('mysql://root:r00t-secret@mysql.internal:3307/alkemio_prod');
    expect(config.pgUrl).toBe('postgres://alk:pg-secret@pg.internal:6543/alkemio_pg');
    expect(config.exportBaseDir).toBe(join(cwd, 'out'));
    expect(config.auditLogFile).toBe(join(cwd, 'migration_log.json'));
    expect(config.secrets).toEqual(expect.arrayContaining(['r00t-secret', 'pg-secret']));
    expect(config.origins['mysqlDatabase']).toContain('MYSQL_ALKEMIO_DATABASE (.env file');
  });

  it('lets the environment win over .env, and flags win over both', () => {
    const cwd = dirWithEnvFile('MYSQL_HOST=from-dotenv\nALKEMIO_DB=dotenv_db\nCSV_EXPORT_BASE_DIR=/dotenv\n');
    const env = { MYSQL_HOST: 'from-env', ALKEMIO_DB: 'env_db' };
    const fromEnv = load({}, env, cwd);
    expect(new URL(fromEnv.mysqlUrl).hostname).toBe('from-env');
    expect(fromEnv.mysqlDatabase).toBe('env_db');
    expect(fromEnv.pgDatabase).toBe('env_db');
    expect(fromEnv.exportBaseDir).toBe('/dotenv');

    const fromFlags = load(
      { mysqlUrl: 'mysql://u:p@flag-host:3306/flag_db', mysqlDatabase: 'other_db', outDir: '/flags' },
      env,
      cwd,
    );
    expect(fromFlags.mysqlUrl).toBe('mysql://u:p@flag-host:3306/other_db');
    expect(fromFlags.mysqlDatabase).toBe('other_db');
    expect(fromFlags.exportBaseDir).toBe('/flags');
    expect(fromFlags.origins['mysqlUrl']).toBe('--mysql-url');
  });

  it('uses MYSQL_PASSWORD for a named user and MYSQL_ROOT_PASSWORD only for root', () => {
    const cwd = dirWithEnvFile();
    const named = load(
      {},
      { MYSQL_USER: 'app', MYSQL_PASSWORD: 'app-pw', MYSQL_ROOT_PASSWORD: 'root-pw' },
      cwd,
    );
    expect(named.mysqlUrl).toBe('mysql://app:app-pw@127.0.0.1:3306/alkemio');
    const root = load({}, { MYSQL_ROOT_PASSWORD: 'root-pw' }, cwd);
    expect(root.mysqlUrl).toBe('mysql://root:root-pw@127.0.0.1:3306/alkemio');
  });

  it('encodes passwords with URL-special characters', () => {
    const cwd = dirWithEnvFile();
    const config = load({}, { POSTGRES_PASSWORD: 'p@ss:w/rd#1' }, cwd);
    expect(decodeURIComponent(new URL(config.pgUrl).password)).toBe('p@ss:w/rd#1');
    expect(config.secrets).toContain('p@ss:w/rd#1');
  });

  it('falls back to the app database, and a URL from the environment beats .env parts', () => {
    const cwd = dirWithEnvFile('POSTGRES_HOST=dotenv-host\n');
    const config = load({}, { CONV_PG_URL: 'postgresql://x@env-host:5433/' }, cwd);
    expect(config.pgUrl).toBe('postgresql://x@env-host:5433/alkemio');
    expect(config.mysqlDatabase).toBe('alkemio');
  });

  it('reads the file given by --env-file instead of ./.env', () => {
    const cwd = dirWithEnvFile('KRATOS_DB=wrong\n');
    writeFileSync(join(cwd, 'prod.env'), 'KRATOS_DB=kratos_prod\nMYSQL_KRATOS_DATABASE=kratos_src\n');
    const config = load({ envFile: 'prod.env' }, {}, cwd, { name: 'kratos', database: 'kratos' });
    expect(config.envFile).toBe(join(cwd, 'prod.env'));
    expect(config.mysqlDatabase).toBe('kratos_src');
    expect(config.pgDatabase).toBe('kratos_prod');
  });

  it('does not copy .env values into process.env', () => {
    const cwd = dirWithEnvFile('CONV_TEST_ONLY_MARKER=1\nMYSQL_HOST=h\n');
    load({}, {}, cwd);
    expect(process.env['CONV_TEST_ONLY_MARKER']).toBeUndefined();
  });
});

describe('configuration validation', () => {
  it('reports every bad value with where it came from, as a usage error', () => {
    const cwd = dirWithEnvFile('POSTGRES_PORT=54x32\n');
    const err = configError(() => load({ jobs: 0, verifyMode: 'everything' }, { MYSQL_PORT: '70000' }, cwd));
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toContain('MYSQL_PORT (environment)');
    expect(err.message).toContain('between 1 and 65535');
    expect(err.message).toMatch(/POSTGRES_PORT \(\.env file .*\): expected a port number/);
    expect(err.hint).toContain('docs/configuration.md');
  });

  it('rejects a URL of the wrong kind without printing it', () => {
    const cwd = dirWithEnvFile();
    const err = configError(() => load({ mysqlUrl: 'postgres://u:topsecret@h/db' }, {}, cwd));
    expect(err.message).toContain('--mysql-url');
    expect(err.message).not.toContain('topsecret');
  });

  it('reports bad option values after the connection settings are fine', () => {
    const cwd = dirWithEnvFile();
    const err = configError(() => load({ jobs: 0, verifyMode: 'everything' }, {}, cwd));
    expect(err.message).toContain('--jobs: expected at least 1');
    expect(err.message).toContain('--verify-mode');
  });

  it('asks for a database when the generic CLI has none', () => {
    const cwd = dirWithEnvFile();
    const err = configError(() => loadConfig({ flags: {}, env: {}, cwd, app: { name: 'conv' } }));
    expect(err.message).toContain('no MySQL database given');
    expect(err.message).toContain('MYSQL_CONV_DATABASE / CONV_DB / MYSQL_DATABASE');
  });

  it('fails clearly when --env-file does not exist', () => {
    const cwd = dirWithEnvFile();
    const err = configError(() => load({ envFile: 'missing.env' }, {}, cwd));
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toContain('missing.env');
  });
});
