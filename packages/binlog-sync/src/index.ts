export { buildAppliers, type EncodedChange, type TableApplier } from './apply.js';
export type { BackgroundVerify, SettleRound } from './background-verify.js';
export { type CutoverOptions, type CutoverResult, runCutover } from './cutover.js';
export { binlogValue } from './decode.js';
export { advanceGtid, snapshotGtid } from './gtid.js';
export { type BinlogPosition, comparePositions, formatPosition } from './position.js';
export { checkPreconditions, type PreconditionReport } from './preconditions.js';
export type { RowChange, SourceTxn } from './reader.js';
export { setSourceReadOnly } from './source.js';
export {
  CHANGED_TABLE,
  POSITION_TABLE,
  readVerifyPoint,
  type StoredPosition,
  VERIFY_TABLE,
  type VerifyPoint,
} from './state.js';
export {
  type SyncHandle,
  type SyncOptions,
  type SyncProgress,
  type SyncResult,
  snapshotKey,
  sourceKey,
  startSync,
} from './sync.js';
