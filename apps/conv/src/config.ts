// Configuration: flags > environment > `.env` file, validated with zod, reported with where each bad
// value came from. The `.env` file is parsed, never loaded into process.env.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConvError, ExitCode, redactUrl } from '@conv/core';
import { z } from 'zod';
import { parseEnvFile } from './env-file.js';

export type Env = Record<string, string | undefined>;

/** What an app (conv, alkemio, kratos) brings to the configuration. */
export interface AppDefaults {
  /** App name: export sub-directory, audit events, and the prefix of its database variables (`ALKEMIO_DB`…). */
  name: string;
  /** Database name on both sides when nothing else says (Alkemio: `alkemio`). */
  database?: string;
  /** Target schema when no flag says (from the profile). */
  schema?: string;
}

/** Flag values as yargs parsed them (undefined when not given). */
export interface ConfigFlags {
  mysqlUrl?: string;
  pgUrl?: string;
  mysqlDatabase?: string;
  pgDatabase?: string;
  pgSchema?: string;
  outDir?: string;
  logFile?: string;
  envFile?: string;
  jobs?: number | string;
  verifyMode?: string;
  fkStrategy?: string;
  loadMode?: string;
  replace?: boolean;
  triggers?: string;
  via?: string;
}

export const VERIFY_MODES = ['counts', 'full', 'sample'] as const;
export const FK_STRATEGIES = ['auto', 'replica', 'drop-recreate', 'ordered'] as const;
export const LOAD_MODES = ['single-transaction', 'per-table'] as const;
export const TRIGGER_MODES = ['auto', 'fire', 'skip'] as const;
/** How `run` moves the data: export then import (two passes), or migrate (one stream, CSV kept). */
export const RUN_VIAS = ['export-import', 'migrate'] as const;

const MYSQL_PROTOCOLS = ['mysql:', 'mariadb:'];
const PG_PROTOCOLS = ['postgres:', 'postgresql:'];

function urlSchema(protocols: string[], example: string) {
  return z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL like ${example} (value not shown: it may hold a password)` },
  );
}

const MysqlUrl = urlSchema(MYSQL_PROTOCOLS, 'mysql://USER:PASSWORD@HOST:3306/DATABASE');
const PgUrl = urlSchema(PG_PROTOCOLS, 'postgres://USER:PASSWORD@HOST:5432/DATABASE');
const Port = z.coerce
  .number({ message: 'expected a port number' })
  .int({ message: 'expected a whole port number' })
  .min(1, { message: 'expected a port between 1 and 65535' })
  .max(65535, { message: 'expected a port between 1 and 65535' });
const Name = z.string().min(1, { message: 'must not be empty' });
const Jobs = z.coerce
  .number({ message: 'expected a number of parallel connections' })
  .int({ message: 'expected a whole number' })
  .min(1, { message: 'expected at least 1' })
  .max(64, { message: 'expected at most 64' });

/** The validated configuration every command works from. */
export const ConfigSchema = z.object({
  app: Name,
  mysqlUrl: MysqlUrl,
  mysqlDatabase: Name,
  pgUrl: PgUrl,
  pgDatabase: Name,
  pgSchema: Name,
  exportBaseDir: Name,
  auditLogFile: Name,
  jobs: Jobs,
  verifyMode: z.enum(VERIFY_MODES),
  fkStrategy: z.enum(FK_STRATEGIES),
  loadMode: z.enum(LOAD_MODES),
  /** `--replace`: load even when planned target tables already hold rows (issue 16). */
  replace: z.boolean(),
  /** `--triggers`: user triggers of the loaded tables during the load (issue 16). */
  triggers: z.enum(TRIGGER_MODES),
  runVia: z.enum(RUN_VIAS),
  /** The `.env` file that was read, if any. */
  envFile: z.string().nullable(),
  /** Every password seen in any layer: masked in all output. */
  secrets: z.array(z.string()),
  /** Where each setting came from (`--pg-url`, `POSTGRES_HOST (environment)`, `default` …). */
  origins: z.record(z.string(), z.string()),
});
export type Config = z.infer<typeof ConfigSchema>;

interface Layer {
  label: string;
  vars: Env;
}

interface Found {
  value: string;
  from: string;
}

interface Problem {
  from: string;
  message: string;
}

/** Reads the `.env` file: `--env-file` (must exist), else `CONV_ENV_FILE`, else `./.env` when present. */
function readEnvFile(flags: ConfigFlags, env: Env, cwd: string): { file: string | null; vars: Env } {
  const explicit = flags.envFile ?? env['CONV_ENV_FILE'];
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, '.env');
  if (!existsSync(file)) {
    if (explicit) {
      throw new ConvError(`configuration: the env file ${file} does not exist`, {
        code: 'config.env-file',
        exit: ExitCode.usage,
        at: { file },
        hint: 'pass the path of an existing file to --env-file, or leave the option out',
      });
    }
    return { file: null, vars: {} };
  }
  try {
    return { file, vars: parseEnvFile(readFileSync(file, 'utf8')) };
  } catch (err) {
    throw new ConvError(`configuration: cannot read the env file ${file}: ${(err as Error).message}`, {
      code: 'config.env-file',
      exit: ExitCode.usage,
      at: { file },
      hint: 'check the file permissions',
    });
  }
}

function lookup(layers: Layer[], keys: string[]): Found | undefined {
  for (const layer of layers) {
    for (const key of keys) {
      const value = layer.vars[key];
      if (value !== undefined && value !== '') return { value, from: `${key} (${layer.label})` };
    }
  }
  return undefined;
}

function urlPassword(text: string): string[] {
  try {
    const u = new URL(text);
    return u.password ? [u.password, decodeURIComponent(u.password)] : [];
  } catch {
    return [];
  }
}

function databaseOf(url: string): string | undefined {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name || undefined;
  } catch {
    return undefined;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

interface ServerSide {
  label: string;
  urlFlag: string;
  urlKeys: string[];
  hostKey: string;
  portKey: string;
  userKey: string;
  passwordKeys: (user: string) => string[];
  protocol: string;
  defaults: { host: string; port: string; user: string };
}

const MYSQL_SIDE: ServerSide = {
  label: 'MySQL',
  urlFlag: '--mysql-url',
  urlKeys: ['CONV_MYSQL_URL', 'MYSQL_URL'],
  hostKey: 'MYSQL_HOST',
  portKey: 'MYSQL_PORT',
  userKey: 'MYSQL_USER',
  // The old scripts connected as root with MYSQL_ROOT_PASSWORD.
  passwordKeys: (user) => (user === 'root' ? ['MYSQL_PASSWORD', 'MYSQL_ROOT_PASSWORD'] : ['MYSQL_PASSWORD']),
  protocol: 'mysql:',
  defaults: { host: '127.0.0.1', port: '3306', user: 'root' },
};

const PG_SIDE: ServerSide = {
  label: 'PostgreSQL',
  urlFlag: '--pg-url',
  urlKeys: ['CONV_PG_URL', 'POSTGRES_URL'],
  hostKey: 'POSTGRES_HOST',
  portKey: 'POSTGRES_PORT',
  userKey: 'POSTGRES_USER',
  passwordKeys: () => ['POSTGRES_PASSWORD'],
  protocol: 'postgres:',
  defaults: { host: '127.0.0.1', port: '5432', user: 'postgres' },
};

/**
 * A server URL: the flag, else the first layer (environment, then `.env`) that says anything about the
 * server — a URL, or host/port/user/password parts (each part then looked up environment first).
 */
function serverUrl(
  side: ServerSide,
  flag: string | undefined,
  layers: Layer[],
  problems: Problem[],
  origins: Record<string, string>,
): string | undefined {
  const key = side === MYSQL_SIDE ? 'mysqlUrl' : 'pgUrl';
  const schema = side === MYSQL_SIDE ? MysqlUrl : PgUrl;
  const check = (found: Found): string | undefined => {
    const parsed = schema.safeParse(found.value);
    if (parsed.success) {
      origins[key] = found.from;
      return parsed.data;
    }
    problems.push({ from: found.from, message: parsed.error.issues[0]?.message ?? 'invalid URL' });
    return undefined;
  };
  if (flag !== undefined) return check({ value: flag, from: side.urlFlag });
  const partKeys = [side.hostKey, side.portKey, side.userKey, ...side.passwordKeys('root')];
  for (const layer of layers) {
    const url = lookup([layer], side.urlKeys);
    if (url) return check(url);
    if (partKeys.some((k) => layer.vars[k] !== undefined && layer.vars[k] !== '')) break;
  }
  const host = lookup(layers, [side.hostKey]);
  const port = lookup(layers, [side.portKey]);
  const user = lookup(layers, [side.userKey]);
  const userName = user?.value ?? side.defaults.user;
  const password = lookup(layers, side.passwordKeys(userName));
  let portText = side.defaults.port;
  if (port) {
    const parsed = Port.safeParse(port.value);
    if (parsed.success) portText = String(parsed.data);
    else
      problems.push({
        from: port.from,
        message: `${parsed.error.issues[0]?.message ?? 'invalid port'}, got ${JSON.stringify(port.value)}`,
      });
  }
  const hostName = host?.value ?? side.defaults.host;
  if (/[\s/@?#]/.test(hostName)) {
    problems.push({
      from: host?.from ?? 'default',
      message: `expected a host name or address, got ${JSON.stringify(hostName)}`,
    });
    return undefined;
  }
  const u = new URL(`${side.protocol}//placeholder`);
  u.hostname = hostName;
  u.port = portText;
  u.username = encodeURIComponent(userName);
  if (password) u.password = encodeURIComponent(password.value);
  u.pathname = '/';
  origins[key] = [host?.from, port?.from, user?.from, password?.from].filter(Boolean).join(', ') || 'default';
  return u.toString();
}

/** Resolves and validates the configuration; throws a ConvError (exit 2) listing every problem. */
export function loadConfig(options: {
  flags: ConfigFlags;
  env?: Env;
  cwd?: string;
  app: AppDefaults;
  /** false: no server is needed (the `log` command); a missing database is then not an error. */
  servers?: boolean;
  /** The command never talks to MySQL (`import`): a missing MySQL database is not an error. */
  noMysql?: boolean;
}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { flags, app } = options;
  const dotenv = readEnvFile(flags, env, cwd);
  const layers: Layer[] = [
    { label: 'environment', vars: env },
    { label: dotenv.file ? `.env file ${dotenv.file}` : '.env file', vars: dotenv.vars },
  ];
  const problems: Problem[] = [];
  const origins: Record<string, string> = {};

  const secrets = new Set<string>();
  for (const layer of layers) {
    for (const key of ['MYSQL_PASSWORD', 'MYSQL_ROOT_PASSWORD', 'POSTGRES_PASSWORD']) {
      const v = layer.vars[key];
      if (v) secrets.add(v);
    }
    for (const key of [...MYSQL_SIDE.urlKeys, ...PG_SIDE.urlKeys]) {
      for (const p of urlPassword(layer.vars[key] ?? '')) secrets.add(p);
    }
  }
  for (const p of [...urlPassword(flags.mysqlUrl ?? ''), ...urlPassword(flags.pgUrl ?? '')]) secrets.add(p);

  const APP = app.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const mysqlBase = serverUrl(MYSQL_SIDE, flags.mysqlUrl, layers, problems, origins);
  const pgBase = serverUrl(PG_SIDE, flags.pgUrl, layers, problems, origins);

  const database = (
    side: 'mysql' | 'pg',
    flag: string | undefined,
    base: string | undefined,
    keys: string[],
  ): string | undefined => {
    const key = side === 'mysql' ? 'mysqlDatabase' : 'pgDatabase';
    const flagName = side === 'mysql' ? '--mysql-database' : '--pg-database';
    const fromUrl = base ? databaseOf(base) : undefined;
    const found: Found | undefined =
      flag !== undefined
        ? { value: flag, from: flagName }
        : fromUrl
          ? { value: fromUrl, from: origins[side === 'mysql' ? 'mysqlUrl' : 'pgUrl'] ?? 'URL' }
          : (lookup(layers, keys) ??
            (app.database ? { value: app.database, from: `default of ${app.name}` } : undefined));
    if (!found && (options.servers === false || (side === 'mysql' && options.noMysql))) return '(none)';
    if (!found) {
      problems.push({
        from: flagName,
        message: `no ${side === 'mysql' ? 'MySQL' : 'PostgreSQL'} database given: pass ${flagName}, put it in the URL, or set ${keys.join(' / ')}`,
      });
      return undefined;
    }
    const parsed = Name.safeParse(found.value);
    if (!parsed.success) {
      problems.push({ from: found.from, message: parsed.error.issues[0]?.message ?? 'invalid name' });
      return undefined;
    }
    origins[key] = found.from;
    return parsed.data;
  };
  const mysqlDatabase = database('mysql', flags.mysqlDatabase, mysqlBase, [
    `MYSQL_${APP}_DATABASE`,
    `${APP}_DB`,
    'MYSQL_DATABASE',
  ]);
  const pgDatabase = database('pg', flags.pgDatabase, pgBase, [
    `POSTGRES_${APP}_DATABASE`,
    `${APP}_DB`,
    'POSTGRES_DB',
  ]);

  const setting = (
    key: string,
    flag: unknown,
    flagName: string,
    envKeys: string[],
    fallback: string,
  ): string => {
    const found: Found =
      flag !== undefined && flag !== null
        ? { value: String(flag), from: flagName }
        : (lookup(layers, envKeys) ?? { value: fallback, from: 'default' });
    origins[key] = found.from;
    return found.value;
  };

  const raw = {
    app: app.name,
    mysqlUrl: mysqlBase && mysqlDatabase ? withDatabase(mysqlBase, mysqlDatabase) : undefined,
    mysqlDatabase,
    pgUrl: pgBase && pgDatabase ? withDatabase(pgBase, pgDatabase) : undefined,
    pgDatabase,
    pgSchema: setting('pgSchema', flags.pgSchema, '--pg-schema', ['POSTGRES_SCHEMA'], app.schema ?? 'public'),
    exportBaseDir: resolve(
      cwd,
      setting('exportBaseDir', flags.outDir, '--out-dir', ['CSV_EXPORT_BASE_DIR'], './csv_exports'),
    ),
    auditLogFile: resolve(
      cwd,
      setting(
        'auditLogFile',
        flags.logFile,
        '--log-file',
        ['CONV_AUDIT_LOG', 'MIGRATION_LOG_FILE'],
        './migration_log.json',
      ),
    ),
    jobs: setting('jobs', flags.jobs, '--jobs', ['CONV_JOBS'], '2'),
    verifyMode: setting('verifyMode', flags.verifyMode, '--verify-mode', ['CONV_VERIFY_MODE'], 'full'),
    fkStrategy: setting('fkStrategy', flags.fkStrategy, '--fk-strategy', ['CONV_FK_STRATEGY'], 'auto'),
    loadMode: setting('loadMode', flags.loadMode, '--load-mode', ['CONV_LOAD_MODE'], 'single-transaction'),
    replace: flags.replace === true,
    triggers: setting('triggers', flags.triggers, '--triggers', ['CONV_TRIGGERS'], 'auto'),
    runVia: setting('runVia', flags.via, '--via', ['CONV_RUN_VIA'], 'migrate'),
    envFile: dotenv.file,
    secrets: [...secrets],
    origins,
  };

  if (problems.length === 0) {
    const parsed = ConfigSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const value = (raw as Record<string, unknown>)[key];
      const shown = key.endsWith('Url') ? '' : `, got ${JSON.stringify(value)}`;
      problems.push({ from: origins[key] ?? key, message: `${issue.message}${shown}` });
    }
  }
  const lines = problems.map((p) => `  - ${p.from}: ${p.message}`);
  throw new ConvError(`configuration is not valid:\n${lines.join('\n')}`, {
    code: 'config.invalid',
    exit: ExitCode.usage,
    hint: `fix the values above (flags win over environment variables, which win over ${dotenv.file ?? 'the .env file'}); see docs/configuration.md`,
  });
}

/** The configuration as printable data: URLs without passwords, no secrets. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { secrets: _secrets, ...rest } = config;
  return { ...rest, mysqlUrl: redactUrl(config.mysqlUrl), pgUrl: redactUrl(config.pgUrl) };
}
