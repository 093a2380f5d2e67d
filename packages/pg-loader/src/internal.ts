// For conv's own tests and tools/bench only (`@conv/pg-loader/internal`): not the documented API.
export { type DeferredIndex, deferrableIndexes } from './indexes.js';
