export { introspectPg, type PgSource } from './catalog.js';
export { COLUMN_SEQUENCES, type LiveForeignKey, readForeignKeys, readTables } from './catalog-queries.js';
export {
  connectPg,
  cutConnection,
  DEFAULT_CONNECT_MS,
  lockTimeoutStatement,
  type PgConnectOptions,
  pgClientConfig,
  withPg,
} from './connect.js';
export { hasRows, type LiveTable, type LiveTarget, readLiveTarget, tableKey } from './live-target.js';
