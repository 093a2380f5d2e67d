export { type CoreConnection, closeMysql, coreOf, hardClose, streamRows } from './driver.js';
export {
  type ConnectMysqlOptions,
  connectMysql,
  databaseOf,
  EXACT_READ_OPTIONS,
  EXACT_SUBQUERY_SESSION,
  type MysqlSource,
  SESSION_STATEMENTS,
  withMysql,
} from './session.js';
