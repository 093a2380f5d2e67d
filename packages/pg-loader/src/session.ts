// Every statement of an import goes through a Session: written to the import script first, then sent.

import type pg from 'pg';
import type { ImportArtifacts } from './artifacts.js';
import type { Statement } from './sql.js';

/** The session that runs every statement: each one goes to the script before it is sent. */
export class Session {
  /** Statements that put back what `setval()` moved (see sequences.ts), run after a ROLLBACK. */
  undo: Statement[] = [];
  constructor(
    readonly client: pg.ClientBase,
    readonly artifacts: ImportArtifacts,
    readonly signal?: AbortSignal,
  ) {}

  async run<R extends pg.QueryResultRow = pg.QueryResultRow>(stmt: Statement | string): Promise<R[]> {
    const s = typeof stmt === 'string' ? { text: stmt } : stmt;
    // Stopped by the operator: nothing new starts (ROLLBACK still runs).
    if (this.signal?.aborted && s.text !== 'ROLLBACK') throw new Error('interrupted by the operator');
    this.artifacts.check();
    this.artifacts.statement(s.script ?? s.text);
    // Nothing is committed whose script and log could not be written (disk full, read-only).
    if (s.text === 'COMMIT') await this.artifacts.sync();
    const res = await this.client.query<R>(s.text, s.values);
    return res.rows;
  }
}

/** A statement runner bound to a session (what the strategy and sequence helpers take). */
export const runOn = (session: Session) => (stmt: Statement | string) => session.run(stmt);
