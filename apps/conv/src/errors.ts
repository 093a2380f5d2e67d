// Turns whatever a step threw into a ConvError an operator can act on (message, hint, exit code).
import { ConvError, ExitCode, isConvError, serverOf } from '@conv/core';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  'PROTOCOL_CONNECTION_LOST',
  // MySQL/MariaDB
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_HOST_NOT_PRIVILEGED',
  // PostgreSQL SQLSTATEs: invalid password, invalid authorization, database does not exist, too many connections
  '28P01',
  '28000',
  '3D000',
  '53300',
]);

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[] };
  if (typeof e?.code === 'string') return e.code;
  // Node's AggregateError (IPv4 + IPv6 attempts) carries the codes on its members.
  if (Array.isArray(e?.errors)) return codeOf(e.errors[0]);
  return undefined;
}

/** Which server an error is about, judged from its code (MySQL codes start with ER_). */
function sideOf(code: string, urls: { mysqlUrl?: string; pgUrl?: string }): 'mysql' | 'pg' | undefined {
  if (code.startsWith('ER_') || code.startsWith('PROTOCOL_')) return 'mysql';
  if (/^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E')) return 'pg';
  return urls.mysqlUrl && !urls.pgUrl ? 'mysql' : urls.pgUrl && !urls.mysqlUrl ? 'pg' : undefined;
}

/**
 * A ConvError as is; a connection failure as exit 5 naming the server (never its credentials);
 * anything else as an unexpected error (exit 1) with its message.
 */
export function toConvError(err: unknown, urls: { mysqlUrl?: string; pgUrl?: string } = {}): ConvError {
  if (isConvError(err)) return err;
  const code = codeOf(err);
  const message = (err as Error)?.message || String(err);
  if (code && CONNECTION_CODES.has(code)) {
    const side = sideOf(code, urls);
    const url = side === 'mysql' ? urls.mysqlUrl : side === 'pg' ? urls.pgUrl : undefined;
    const where = url ? `${side === 'mysql' ? 'MySQL' : 'PostgreSQL'} server ${serverOf(url)}` : 'a server';
    const hint =
      code === 'ER_BAD_DB_ERROR' || code === '3D000'
        ? 'check the database name (--mysql-database / --pg-database or the *_DB variables); conv never creates databases'
        : code.startsWith('ER_ACCESS') || code === '28P01' || code === '28000'
          ? 'check the user and password (MYSQL_USER/MYSQL_PASSWORD, POSTGRES_USER/POSTGRES_PASSWORD, or the URL)'
          : 'check that the server runs and that host and port are right (MYSQL_HOST/MYSQL_PORT, POSTGRES_HOST/POSTGRES_PORT, or the URL)';
    return new ConvError(`cannot connect to ${where}: ${message || code}`, {
      code: 'connect.failed',
      exit: ExitCode.connection,
      at: url ? { server: serverOf(url), engine: side === 'mysql' ? 'MySQL' : 'PostgreSQL' } : {},
      hint,
      cause: err,
    });
  }
  return new ConvError(`unexpected error: ${message}`, {
    code: 'internal.unexpected',
    hint: 'run again with --debug for the stack trace, and report it if it persists',
    cause: err,
  });
}

/** The lines printed for an error: message, where, and the fix. */
export function formatError(err: ConvError): string {
  const lines = [`error: ${err.message}`];
  const loc = err.location;
  const where = [
    loc.table && `table ${loc.table}`,
    loc.column && `column ${loc.column}`,
    loc.key && `key ${JSON.stringify(loc.key)}`,
    loc.file && `file ${loc.file}${loc.line ? `:${loc.line}` : ''}`,
    loc.server && `server ${loc.server}`,
  ].filter(Boolean);
  if (where.length > 0 && !where.every((w) => err.message.includes(String(w).split(' ').slice(1).join(' '))))
    lines.push(`  where: ${where.join(', ')}`);
  if (err.hint) lines.push(`  fix: ${err.hint}`);
  return lines.join('\n');
}
