// `pnpm demo`: the whole runbook on a throw-away pair of databases. Uses the servers the test harness
// uses (CONV_TEST_MYSQL_URL / CONV_TEST_PG_URL, else the local ones), loads the Alkemio fixture from
// ../shared/fixtures when it is there (else a small generated database full of awkward values), and
// runs `run` with the app's profile. No Docker; the demo databases are kept for inspection.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, type ProfileInput, quoteMysqlIdent, quotePgIdent, redactUrl, serverOf } from '@conv/core';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { runCli } from './cli.js';
import type { CliIo } from './output.js';

export interface DemoApp {
  name: string;
  database?: string;
  profile: ProfileInput;
}

export interface DemoOptions {
  /** Profile used when the fixture is there (the Alkemio app). */
  app: DemoApp;
  /** `shared/fixtures/<fixture>/` holds mysql.schema.sql, mysql.data.sql, pg.schema.sql… */
  fixture: string;
  env?: NodeJS.ProcessEnv;
  io?: CliIo;
  /** Where the export and the audit log go (default: a fresh directory under the OS temp dir). */
  workDir?: string;
  /** Ignore the fixture even when present (tests of the generated database). */
  generated?: boolean;
  /** SQL run on the demo source after the fixture is loaded (rows that show the profile's transforms). */
  extraFixtureSql?: string;
  /** Keep the demo databases for inspection (default true); false drops them at the end. */
  keep?: boolean;
}

export interface DemoResult {
  code: number;
  /** Name of both demo databases. */
  database: string;
  exportBaseDir: string;
  auditLog: string;
  /** Whether the Alkemio (or other) fixture was used, or the generated database. */
  source: 'fixture' | 'generated';
}

const LOCAL_MYSQL_URL = 'mysql://root@127.0.0.1:3306/';
const LOCAL_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** `../shared` beside the repository (CONV_SHARED_DIR overrides), if it holds fixtures. */
export function findSharedDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['CONV_SHARED_DIR'];
  if (fromEnv) return existsSync(join(fromEnv, 'fixtures')) ? resolve(fromEnv) : undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) {
      const candidate = join(dir, '..', 'shared');
      return existsSync(join(candidate, 'fixtures')) ? resolve(candidate) : undefined;
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** A MySQL dump as one multi-statement text; MariaDB does not know MySQL 8's default collation. */
function mysqlDumpText(file: string, mariadb: boolean): string {
  const sql = readFileSync(file, 'utf8');
  return mariadb ? sql.replaceAll('utf8mb4_0900_ai_ci', 'utf8mb4_general_ci') : sql;
}

/** A pg_dump text without psql meta-commands (`\restrict` …), which the server does not understand. */
function pgDumpText(file: string): string {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
}

/** The generated source: every awkward value the value rules talk about, in two related tables. */
export const GENERATED_MYSQL = `
CREATE TABLE account (
  id char(36) NOT NULL PRIMARY KEY,
  name varchar(100) NOT NULL,
  active tinyint(1) NOT NULL,
  balance decimal(14,4) DEFAULT NULL,
  created datetime(6) NOT NULL,
  notes text DEFAULT NULL,
  avatar blob DEFAULT NULL,
  settings longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(settings)),
  kind enum('user','organization') NOT NULL,
  big bigint(20) unsigned DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE post (
  id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY,
  accountId char(36) NOT NULL,
  body longtext DEFAULT NULL,
  score double DEFAULT NULL,
  published date DEFAULT NULL,
  CONSTRAINT fk_post_account FOREIGN KEY (accountId) REFERENCES account (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
`;

export const GENERATED_PG = `
CREATE TABLE account (
  id uuid PRIMARY KEY,
  name varchar(100) NOT NULL,
  active boolean NOT NULL,
  balance numeric(14,4),
  created timestamp(6) without time zone NOT NULL,
  notes text,
  avatar bytea,
  settings jsonb,
  kind text NOT NULL,
  big numeric(20,0)
);
CREATE TABLE post (
  id serial PRIMARY KEY,
  "accountId" uuid NOT NULL REFERENCES account (id),
  body text,
  score double precision,
  published date
);
`;

const AWKWARD_TEXTS = [
  'line one\nline two\r\nline three',
  'tab\there, "double" and \'single\' quotes, back\\slash',
  '\\N is not NULL',
  '',
  'emoji 🦄 and accents: Zoë, Ærøskøbing, 東京',
  ',leading comma and trailing comma,',
];

/** Fills the generated source tables with rows full of awkward values. */
export async function fillGenerated(conn: mysql.Connection): Promise<void> {
  const accounts: unknown[][] = [];
  for (let i = 0; i < 40; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    accounts.push([
      id,
      `account ${i}`,
      i % 2,
      i % 5 === 0 ? null : `${i * 1000}.${String(i).padStart(4, '0')}`,
      `2024-0${(i % 9) + 1}-1${i % 10} 12:34:56.${String(i * 7919)
        .padStart(6, '0')
        .slice(-6)}`,
      i % 7 === 0 ? null : AWKWARD_TEXTS[i % AWKWARD_TEXTS.length],
      i % 3 === 0 ? null : Buffer.from([0, 1, 2, 0xff, 0x5c, 0x0a, i]),
      i % 4 === 0 ? null : JSON.stringify({ i, tags: ['a', 'b"c'], nested: { ok: i % 2 === 0 } }),
      i % 2 === 0 ? 'user' : 'organization',
      i === 0 ? '18446744073709551615' : i === 1 ? '0' : String(i * 1_000_003),
    ]);
  }
  await conn.query(
    'INSERT INTO account (id, name, active, balance, created, notes, avatar, settings, kind, big) VALUES ?',
    [accounts],
  );
  const posts: unknown[][] = [];
  for (let i = 0; i < 120; i++) {
    posts.push([
      accounts[i % accounts.length]?.[0],
      i % 11 === 0 ? null : `${AWKWARD_TEXTS[i % AWKWARD_TEXTS.length]} #${i}`,
      i % 6 === 0 ? null : i / 7,
      i % 5 === 0 ? null : `2025-01-${String((i % 28) + 1).padStart(2, '0')}`,
    ]);
  }
  await conn.query('INSERT INTO post (accountId, body, score, published) VALUES ?', [posts]);
}

async function dropDemoDatabases(mysqlAdmin: string, pgAdmin: string, name: string): Promise<void> {
  const my = await mysql.createConnection({ uri: mysqlAdmin });
  try {
    await my.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(name)}`);
  } finally {
    await my.end();
  }
  const client = new pg.Client({ connectionString: pgAdmin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quotePgIdent(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

function demoName(): string {
  const ts = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `conv_demo_${ts}_${randomBytes(2).toString('hex')}`;
}

/** Runs the demo; returns the exit code of `run` and where everything is. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const env = options.env ?? process.env;
  const io = options.io ?? { stdout: process.stdout, stderr: process.stderr };
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const mysqlAdmin = env['CONV_TEST_MYSQL_URL'] || LOCAL_MYSQL_URL;
  const pgAdmin = env['CONV_TEST_PG_URL'] || LOCAL_PG_URL;
  const shared = options.generated ? undefined : findSharedDir(env);
  const fixtureDir = shared ? join(shared, 'fixtures', options.fixture) : undefined;
  const useFixture = fixtureDir !== undefined && existsSync(join(fixtureDir, 'mysql.schema.sql'));
  const name = demoName();
  const workDir = options.workDir ?? join(tmpdir(), name);
  await mkdir(workDir, { recursive: true });
  const exportDir = join(workDir, 'csv_exports');
  const logFile = join(workDir, 'migration_log.json');
  const result = (code: number): DemoResult => ({
    code,
    database: name,
    exportBaseDir: exportDir,
    auditLog: logFile,
    source: useFixture ? 'fixture' : 'generated',
  });

  say(`conv demo: MySQL side ${redactUrl(mysqlAdmin)} · PostgreSQL side ${redactUrl(pgAdmin)}`);
  say(
    useFixture
      ? `conv demo: source = the ${options.fixture} fixture from ${fixtureDir}`
      : 'conv demo: shared fixtures not found — using a small generated database with awkward values',
  );

  let admin: mysql.Connection;
  try {
    admin = await mysql.createConnection({ uri: mysqlAdmin, multipleStatements: true, charset: 'utf8mb4' });
  } catch (err) {
    say(
      `error: cannot connect to MySQL/MariaDB at ${serverOf(mysqlAdmin)}: ${(err as Error).message}\n` +
        '  fix: start MariaDB/MySQL on 127.0.0.1:3306 (root, no password) or set CONV_TEST_MYSQL_URL',
    );
    return result(ExitCode.connection);
  }
  let mariadb = false;
  try {
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    mariadb = /mariadb/i.test(String(rows[0]?.['v'] ?? ''));
    await admin.query(
      `CREATE DATABASE ${quoteMysqlIdent(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`,
    );
    await admin.query(`USE ${quoteMysqlIdent(name)}`);
    await admin.query("SET time_zone = '+00:00'");
    if (useFixture && fixtureDir) {
      for (const file of [
        'mysql.schema.sql',
        'mysql.legacy-tables.sql',
        'mysql.data.sql',
        'mysql.seed-rows.sql',
      ]) {
        const path = join(fixtureDir, file);
        if (existsSync(path)) await admin.query(mysqlDumpText(path, mariadb));
      }
      if (options.extraFixtureSql) await admin.query(options.extraFixtureSql);
    } else {
      await admin.query(GENERATED_MYSQL);
      await fillGenerated(admin);
    }
  } finally {
    await admin.end();
  }
  say(`conv demo: created MySQL database ${name}`);

  const pgClient = new pg.Client({ connectionString: pgAdmin });
  try {
    await pgClient.connect();
  } catch (err) {
    say(
      `error: cannot connect to PostgreSQL at ${serverOf(pgAdmin)}: ${(err as Error).message}\n` +
        '  fix: start PostgreSQL on 127.0.0.1:5432 (postgres, trust) or set CONV_TEST_PG_URL',
    );
    return result(ExitCode.connection);
  }
  try {
    await pgClient.query(`CREATE DATABASE ${quotePgIdent(name)} ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await pgClient.end();
  }
  const pgUrl = withDatabase(pgAdmin, name);
  const target = new pg.Client({ connectionString: pgUrl });
  await target.connect();
  try {
    await target.query(
      useFixture && fixtureDir ? pgDumpText(join(fixtureDir, 'pg.schema.sql')) : GENERATED_PG,
    );
  } finally {
    await target.end();
  }
  say(`conv demo: created PostgreSQL database ${name} with the target schema`);

  const app: DemoApp = useFixture ? options.app : { name: 'demo', profile: { name: 'demo' } };
  say(`conv demo: ${app.name} run …\n`);
  const code = await runCli(
    [
      'run',
      '--mysql-url',
      withDatabase(mysqlAdmin, name),
      '--pg-url',
      pgUrl,
      '--out-dir',
      exportDir,
      '--log-file',
      logFile,
    ],
    {
      name: app.name,
      profile: app.profile,
      ...(app.database ? { database: app.database } : {}),
      io,
      // The demo's settings are all on the command line: no .env or environment may redirect it.
      env: {},
      cwd: workDir,
    },
  );
  const keep = options.keep ?? true;
  if (!keep) await dropDemoDatabases(mysqlAdmin, pgAdmin, name);
  io.stdout.write(
    [
      '',
      `Demo ${code === 0 ? 'finished' : `stopped with exit code ${code}`}.`,
      `  export directory: ${exportDir}/${app.name}/`,
      `  audit log:        ${logFile}`,
      keep
        ? `  databases:        MySQL ${serverOf(mysqlAdmin)}/${name}, PostgreSQL ${serverOf(pgAdmin)}/${name} (kept for inspection)`
        : `  databases:        ${name} dropped on both servers`,
      ...(keep
        ? [`  clean up:         mariadb -e 'DROP DATABASE \`${name}\`'; psql -c 'DROP DATABASE "${name}"'`]
        : []),
      '',
    ].join('\n'),
  );
  return result(code);
}
