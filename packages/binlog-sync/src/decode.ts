import type { ColumnPair } from '@conv/core';
import { ConvError, ExitCode } from '@conv/core';
import type { RowData } from './reader.js';

/**
 * Turns one binlog value (as @vlasky/zongji decodes it with the bulk export's connection options:
 * dateStrings, jsonStrings, timezone Z) into the value mysql2 hands the bulk export for the same column,
 * so that the same encoder gives the same text. The differences found (see README):
 * - YEAR 0000 arrives as 1900 (zongji adds 1900 to the stored byte 0); mysql2 gives 0.
 * - an ENUM holding the invalid-value index 0 arrives as undefined; mysql2 gives ''.
 * - FLOAT arrives as the exact float32 (the bulk export selects CAST(col AS DOUBLE): the same number).
 */
export function binlogValue(pair: ColumnPair, row: RowData, table: string): unknown {
  if (!(pair.source in row)) {
    throw new ConvError(
      `binlog row of ${table} has no column ${pair.source} (binlog_row_image is not FULL, or the table changed)`,
      {
        code: 'sync.row-image',
        exit: ExitCode.checkFailed,
        at: { table, column: pair.source },
        hint: 'set binlog_row_image=FULL on the source and sync from a new snapshot',
      },
    );
  }
  const v = row[pair.source];
  if (v === null) return null;
  switch (pair.sourceDataType) {
    case 'year':
      return v === 1900 ? 0 : v;
    case 'enum':
      return v === undefined ? '' : v;
    default:
      return v;
  }
}

/** The row as an array in the plan's column order (the order the encoders and the export use). */
export function rowArray(pairs: readonly ColumnPair[], row: RowData, table: string): unknown[] {
  return pairs.map((p) => binlogValue(p, row, table));
}
