// The live catalog reader lives with the PostgreSQL dialect (one reader for check and the loader).
export {
  hasRows,
  type LiveForeignKey,
  type LiveTable,
  type LiveTarget,
  readLiveTarget,
  tableKey,
} from '@conv/dialect/postgres';
