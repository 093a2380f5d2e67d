// For conv's own tests and tools/bench only (`@conv/binlog-sync/internal`): not the documented API.
export { statementTouches } from './reader.js';
export { currentBinlogPosition, sourceFlavor } from './source.js';
export { readPosition } from './state.js';
