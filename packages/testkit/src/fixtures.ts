import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestMysqlDb, TestPgDb } from './databases.js';

/**
 * The `shared/` folder that sits beside the repository (read-only design notes and real schemas).
 * `CONV_SHARED_DIR` overrides. Returns undefined when absent: tests then skip with a message.
 */
export function sharedDir(): string | undefined {
  const fromEnv = process.env['CONV_SHARED_DIR'];
  if (fromEnv) return existsSync(fromEnv) ? resolve(fromEnv) : undefined;
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

/** Absolute path of `shared/fixtures/<rel>`, or undefined when the fixtures are not there. */
export function fixturePath(rel: string): string | undefined {
  const dir = sharedDir();
  if (!dir) return undefined;
  const file = join(dir, 'fixtures', rel);
  return existsSync(file) ? file : undefined;
}

export const FIXTURES_MISSING =
  'shared/fixtures not found beside the repository (set CONV_SHARED_DIR to its path): fixture tests skipped';

/** Loads a MySQL/MariaDB dump (as mariadb-dump prints it) into a test database. */
export async function loadMysqlDump(db: TestMysqlDb, file: string): Promise<void> {
  let sql = readFileSync(file, 'utf8');
  if (db.server.flavor === 'mariadb') sql = sql.replaceAll('utf8mb4_0900_ai_ci', 'utf8mb4_general_ci');
  await db.conn.query(sql);
}

/** Loads a pg_dump text file into a test database (psql meta-commands such as \restrict are dropped). */
export async function loadPgDump(db: TestPgDb, file: string): Promise<void> {
  const sql = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
  await db.client.query(sql);
  // pg_dump empties search_path for its session; give the test connection its default back.
  await db.client.query('SET search_path TO DEFAULT');
}

/**
 * The fixture sets the tests load, files in load order. Named here once so that each test file does not
 * repeat the same paths, presence check and loading loop.
 */
export const FIXTURE_SETS = {
  alkemio: {
    mysql: ['alkemio/mysql.schema.sql', 'alkemio/mysql.legacy-tables.sql', 'alkemio/mysql.data.sql'],
    pg: 'alkemio/pg.schema.sql',
  },
  kratos: {
    mysql: ['kratos/mysql.schema.sql', 'kratos/mysql.seed-rows.sql'],
    pg: 'kratos/pg.schema.sql',
  },
} as const;

/** A fixture set's absolute paths; `present` is false (and the paths empty) when any file is missing. */
export interface FixtureSet {
  present: boolean;
  mysql: string[];
  pg: string;
}

let warnedMissing = false;

/** Resolves a fixture set; warns FIXTURES_MISSING (once) when it is not all there. */
export function fixtureSet(name: keyof typeof FIXTURE_SETS): FixtureSet {
  const mysql = FIXTURE_SETS[name].mysql.map((rel) => fixturePath(rel));
  const pg = fixturePath(FIXTURE_SETS[name].pg);
  const files = mysql.filter((file): file is string => file !== undefined);
  if (pg && files.length === mysql.length) return { present: true, mysql: files, pg };
  if (!warnedMissing) console.warn(FIXTURES_MISSING);
  warnedMissing = true;
  return { present: false, mysql: [], pg: '' };
}

/** Loads every MySQL file of the set, in order. */
export async function loadFixtureSource(db: TestMysqlDb, set: FixtureSet): Promise<void> {
  for (const file of set.mysql) await loadMysqlDump(db, file);
}

/** Loads the set's PostgreSQL schema. */
export async function loadFixtureTarget(db: TestPgDb, set: FixtureSet): Promise<void> {
  await loadPgDump(db, set.pg);
}
