import { afterAll, beforeAll, inject } from 'vitest';
import { createMysqlDatabase, createPgDatabase, type TestMysqlDb, type TestPgDb } from './databases.js';
import type { ServerInfo } from './servers.js';
import './provided.js';

export * from './databases.js';
export * from './fixtures.js';
export * from './servers.js';
export * from './workspace.js';

/** The servers the global setup found (inside a vitest worker). */
export function testServers(): { mysql: ServerInfo; pg: ServerInfo } {
  const servers = inject('convServers');
  if (!servers)
    throw new Error('conv testkit: no servers provided — is packages/testkit global-setup configured?');
  return servers;
}

function lazy<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const value = get();
      if (!value) throw new Error(`conv testkit: ${what} used outside a test (it is created in beforeAll)`);
      const member = (value as Record<PropertyKey, unknown>)[prop];
      return typeof member === 'function' ? member.bind(value) : member;
    },
  });
}

/** A fresh MySQL/MariaDB database for this test file, dropped after it. */
export function useMysqlDatabase(setup?: (db: TestMysqlDb) => Promise<void>): TestMysqlDb {
  let db: TestMysqlDb | undefined;
  beforeAll(async () => {
    db = await createMysqlDatabase(testServers().mysql);
    if (setup) await setup(db);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return lazy('MySQL test database', () => db);
}

/** A fresh PostgreSQL database for this test file, dropped after it. */
export function usePgDatabase(setup?: (db: TestPgDb) => Promise<void>): TestPgDb {
  let db: TestPgDb | undefined;
  beforeAll(async () => {
    db = await createPgDatabase(testServers().pg);
    if (setup) await setup(db);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return lazy('PostgreSQL test database', () => db);
}
export * from './binlog-server.js';
