import { ConvError, ExitCode, quoteMysqlIdent } from '@conv/core';
import ZongJi from '@vlasky/zongji';
import type { BinlogPosition } from './position.js';

export type RowData = Record<string, unknown>;

export interface RowChange {
  table: string;
  kind: 'insert' | 'update' | 'delete';
  /** Row image before the change (update, delete). */
  before?: RowData;
  /** Row image after the change (insert, update). */
  after?: RowData;
}

/** One committed source transaction (or, with no changes, a position the stream moved past). */
export interface SourceTxn {
  changes: RowChange[];
  /** Where the stream stands after it: a safe place to resume. */
  end: BinlogPosition;
  gtid: string | undefined;
  /** Commit time on the source (ms since epoch). */
  timestamp: number;
}

export interface ReaderOptions {
  /** mysql2 connection options (the exact-read options of the bulk export: dateStrings, jsonStrings…). */
  connection: Record<string, unknown>;
  database: string;
  tables: readonly string[];
  start: BinlogPosition;
  /** Start from this GTID set / MariaDB GTID position instead of `start` (the server finds the file). */
  gtidSet?: string;
  serverId: number;
  onTxn: (txn: SourceTxn) => void;
  onError: (err: Error) => void;
}

interface ZEvent {
  getEventName(): string;
  timestamp: number;
  nextPosition: number;
  gtid?: string;
  tableMap?: Record<number, { parentSchema: string; tableName: string }>;
  tableId?: number;
  rows?: unknown[];
  query?: string;
  schema?: string;
  standalone?: boolean;
}

/** The binlog connection under zongji (mysql2): pause/resume stop reading its socket. */
interface PausableConnection {
  pause(): void;
  resume(): void;
}

interface ZongJiLike {
  options: { filename?: string; position?: number };
  connection?: PausableConnection;
  on(event: 'binlog', fn: (e: ZEvent) => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  on(event: 'ready', fn: () => void): void;
  start(options: Record<string, unknown>): void;
  stop(): void;
}

const TXN_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|XA\s)/i;

/** Whether a statement names one of `tables` (of `database`) as an identifier. */
export function statementTouches(
  statement: string,
  defaultSchema: string | undefined,
  database: string,
  tables: readonly string[],
): string | undefined {
  const lower = statement.toLowerCase();
  const mentionsDb = defaultSchema === database || lower.includes(database.toLowerCase());
  if (!mentionsDb) return undefined;
  for (const t of tables) {
    const name = t.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(^|[\\s\`.(,])\`?${name}\`?($|[\\s\`.(,;])`, 'i');
    if (re.test(lower)) return t;
  }
  return undefined;
}

/**
 * Follows the binlog from `start` with @vlasky/zongji and hands over whole committed transactions of the
 * planned tables, in commit order. A statement (DDL, or DML written in STATEMENT format) that names a
 * planned table is an error: its effect cannot be replayed row by row.
 */
export interface Reader {
  stop(): void;
  position(): BinlogPosition;
  /** Stop reading the binlog socket (the applier is behind); `resume` reads on. */
  pause(): void;
  resume(): void;
}

/**
 * Makes the binlog connection's pause/resume shared between zongji and us: zongji pauses it while it looks
 * up a table's columns and resumes after; our pause must not be lifted by that resume, and our resume must
 * not let row events through before zongji has the table map (rows would be decoded without columns).
 * The socket reads on only when neither holds it paused.
 */
function sharedPause(conn: PausableConnection): { pause(): void; resume(): void } {
  const pause = conn.pause.bind(conn);
  const resume = conn.resume.bind(conn);
  let zongjiHolds = false;
  let weHold = false;
  conn.pause = () => {
    zongjiHolds = true;
    pause();
  };
  conn.resume = () => {
    zongjiHolds = false;
    if (!weHold) resume();
  };
  return {
    pause() {
      if (weHold) return;
      weHold = true;
      pause();
    },
    resume() {
      if (!weHold) return;
      weHold = false;
      if (!zongjiHolds) resume();
    },
  };
}

export function startReader(options: ReaderOptions): Reader {
  const { database, tables } = options;
  const planned = new Set(tables);
  const zongji = new ZongJi(options.connection) as unknown as ZongJiLike;
  let inTxn = false;
  let changes: RowChange[] = [];
  let stopped = false;
  // Started from a GTID, the file is known only once the server's first rotate event names it.
  const fallback = options.gtidSet !== undefined ? { file: '', position: 0 } : options.start;
  const here = (): BinlogPosition => ({
    file: zongji.options.filename ?? fallback.file,
    position: zongji.options.position ?? fallback.position,
  });
  const commit = (e: ZEvent) => {
    const txn: SourceTxn = { changes, end: here(), gtid: e.gtid, timestamp: e.timestamp };
    changes = [];
    inTxn = false;
    options.onTxn(txn);
  };
  const fail = (err: Error) => {
    if (stopped) return;
    stopped = true;
    zongji.stop();
    options.onError(err);
  };

  zongji.on('binlog', (e) => {
    if (stopped) return;
    const name = e.getEventName();
    switch (name) {
      case 'gtid':
      case 'anonymousgtid':
      case 'tablemap':
        inTxn = true;
        return;
      case 'mariadbgtid':
        inTxn = !e.standalone;
        return;
      case 'writerows':
      case 'updaterows':
      case 'deleterows': {
        inTxn = true;
        const map = e.tableMap?.[e.tableId ?? -1];
        if (!map || map.parentSchema !== database || !planned.has(map.tableName)) return;
        for (const row of e.rows ?? []) {
          if (name === 'writerows')
            changes.push({ table: map.tableName, kind: 'insert', after: row as RowData });
          else if (name === 'deleterows')
            changes.push({ table: map.tableName, kind: 'delete', before: row as RowData });
          else {
            const r = row as { before: RowData; after: RowData };
            changes.push({ table: map.tableName, kind: 'update', before: r.before, after: r.after });
          }
        }
        return;
      }
      case 'xid':
        commit(e);
        return;
      case 'query': {
        const q = e.query ?? '';
        if (/^\s*BEGIN/i.test(q)) {
          inTxn = true;
          return;
        }
        if (/^\s*COMMIT/i.test(q)) return commit(e);
        if (/^\s*ROLLBACK/i.test(q) && !/TO\s+SAVEPOINT/i.test(q)) {
          changes = [];
          inTxn = false;
          return;
        }
        if (TXN_CONTROL.test(q)) return;
        const table = statementTouches(q, e.schema, database, tables);
        if (table) {
          const verb = q.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase();
          return fail(
            new ConvError(
              `the source ran \`${verb} …\` on planned table ${quoteMysqlIdent(table)} at binlog ${here().file}:${e.nextPosition}: a statement (DDL, or DML logged in STATEMENT format) cannot be replayed row by row, so the sync stopped`,
              {
                code: 'sync.statement',
                exit: ExitCode.checkFailed,
                at: { table },
                hint: 'the target no longer mirrors the source: re-plan (conv plan), export and import again, then sync from the new snapshot',
              },
            ),
          );
        }
        // A statement on other tables ends its own group: the stream moved past it.
        commit(e);
        return;
      }
      default:
        // rotate, format, gtid lists, checkpoints, heartbeats: between transactions they only move the position.
        if (!inTxn && name !== 'rotate' && name !== 'format')
          options.onTxn({ changes: [], end: here(), gtid: undefined, timestamp: e.timestamp });
    }
  });
  zongji.on('error', (err) => fail(err));
  zongji.start({
    serverId: options.serverId,
    ...(options.gtidSet !== undefined
      ? { gtidSet: options.gtidSet }
      : { filename: options.start.file, position: options.start.position }),
    includeSchema: { [database]: [...tables] },
  });
  // start() creates the binlog connection synchronously; zongji reuses it until stop().
  const gate = zongji.connection ? sharedPause(zongji.connection) : { pause() {}, resume() {} };
  return {
    stop() {
      stopped = true;
      zongji.stop();
    },
    position: here,
    pause: () => gate.pause(),
    resume: () => gate.resume(),
  };
}
