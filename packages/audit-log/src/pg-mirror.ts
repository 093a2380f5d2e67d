import { quotePgIdent, quotePgQualified, redactText } from '@conv/core';
import { pgClientConfig } from '@conv/dialect/postgres';
import pg from 'pg';
import { type AuditEvent, RUN_STATUSES } from './event.js';

export const MIRROR_TABLE = 'conv_migration_log';

function createTableSql(schema: string): string {
  const statuses = RUN_STATUSES.map((s) => `'${s}'`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${quotePgQualified(schema, MIRROR_TABLE)} (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL,
  logged_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN (${statuses})),
  message text NOT NULL,
  host text NOT NULL,
  username text NOT NULL,
  pid integer NOT NULL,
  tool_version text NOT NULL,
  app text,
  step text,
  tables jsonb,
  rows bigint,
  bytes bigint,
  duration_ms bigint
)`;
}

const COLUMNS = [
  'run_id',
  'logged_at',
  'status',
  'message',
  'host',
  'username',
  'pid',
  'tool_version',
  'app',
  'step',
  'tables',
  'rows',
  'bytes',
  'duration_ms',
];

function valuesOf(event: AuditEvent): unknown[] {
  return [
    event.runId,
    event.timestamp,
    event.status,
    event.message,
    event.host,
    event.user,
    event.pid,
    event.toolVersion,
    event.app ?? null,
    event.step ?? null,
    event.tables === undefined ? null : JSON.stringify(event.tables),
    event.rows ?? null,
    event.bytes ?? null,
    event.durationMs ?? null,
  ];
}

/** Inserts events into `<schema>.conv_migration_log`, creating the table when it is missing. */
export async function mirrorToPg(
  pgUrl: string,
  schema: string,
  events: readonly AuditEvent[],
): Promise<void> {
  // A dropped connection fails the insert below (reported as a mirror error), never the process.
  const client = new pg.Client(pgClientConfig(pgUrl, { application: 'conv audit-log' }));
  client.on('error', () => {});
  try {
    await client.connect();
    await ensureTable(client, schema);
    const table = quotePgQualified(schema, MIRROR_TABLE);
    const columns = COLUMNS.map(quotePgIdent).join(', ');
    const params = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    for (const event of events) {
      await client.query(`INSERT INTO ${table} (${columns}) VALUES (${params})`, valuesOf(event));
    }
  } catch (err) {
    // The URL may be in the driver's message: never let a password out.
    throw new Error(redactText((err as Error).message, passwordsOf(pgUrl)), { cause: err });
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureTable(client: pg.Client, schema: string): Promise<void> {
  try {
    await client.query(createTableSql(schema));
  } catch (err) {
    // Two first writers at once: CREATE TABLE IF NOT EXISTS can still collide on the catalog.
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') throw err;
  }
}

function passwordsOf(url: string): string[] {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [password] : [];
  } catch {
    return [];
  }
}
