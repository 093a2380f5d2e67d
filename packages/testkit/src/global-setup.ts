// vitest globalSetup: find the servers once per run, say which they are, clean what dead runs left behind.
import type { TestProject } from 'vitest/node';
import { cleanupStaleDatabases } from './databases.js';
import { resolveServers, type ServerInfo } from './servers.js';

function where(info: ServerInfo): string {
  const u = new URL(info.url);
  return `${info.version} at ${u.hostname}:${u.port} (${info.origin})`;
}

export default async function setup(project: TestProject) {
  const servers = await resolveServers();
  const dropped = await cleanupStaleDatabases(servers);
  process.stderr.write(
    `[conv testkit] MySQL side: ${where(servers.mysql)} · PostgreSQL side: ${where(servers.pg)}` +
      (dropped.length ? ` · dropped ${dropped.length} stale test database(s)` : '') +
      '\n',
  );
  project.provide('convServers', { mysql: servers.mysql, pg: servers.pg });
  return async () => {
    await servers.stop();
  };
}
