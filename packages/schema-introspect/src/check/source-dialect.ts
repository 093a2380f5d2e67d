/**
 * Scan conditions and fixes whose SQL must mean the same on MySQL 8.0 / 8.4 and MariaDB, where the two
 * servers differ in behaviour (not just in catalog layout).
 */
import type { SourceColumn } from '@conv/core';

/**
 * Bytes that are not valid UTF-8. `CONVERT(<invalid> USING utf8mb4)` gives '?' replacements on MariaDB but
 * NULL (warning 1300) on MySQL 8: a NULL round trip of a non-NULL value counts too (`<=>` is NULL-safe).
 */
export function invalidUtf8Condition(q: string): string {
  return `${q} IS NOT NULL AND NOT (CONVERT(CONVERT(${q} USING utf8mb4) USING binary) <=> ${q})`;
}

/**
 * A NOT NULL zero date's replacement that the column can hold: TIMESTAMP starts at 1970-01-01 00:00:01
 * UTC ('1970-01-01 00:00:00' is out of range, in any session time zone east of UTC even more so);
 * FROM_UNIXTIME(1) is that instant in whatever time zone the fix is run.
 */
export function zeroDateReplacement(column: SourceColumn): string {
  if (column.dataType === 'date') return "'1970-01-01'";
  if (column.dataType === 'timestamp') return 'FROM_UNIXTIME(1) /* 1970-01-01 00:00:01 UTC */';
  return "'1970-01-01 00:00:00'";
}

/** Hex digit `n` (1-based) of a binary(16) value. */
const nibble = (q: string, n: number) => `SUBSTRING(HEX(${q}), ${n}, 1)`;

/**
 * binary(16) written by MySQL 8's `UUID_TO_BIN(u, 1)`: time-high first, so the version nibble sits in byte 0
 * and byte 6 holds time-low bits. Counted: byte 6 carries no version (not 1–8) while byte 0 does, with the
 * RFC variant in byte 8 (which the swap leaves in place). A column of swapped v1 UUIDs shows many such
 * values; a standard UUID never matches (its byte 6 holds the version).
 */
export function swappedUuidCondition(q: string): string {
  return (
    `${nibble(q, 13)} NOT BETWEEN '1' AND '8' AND ${nibble(q, 1)} BETWEEN '1' AND '8' ` +
    `AND ${nibble(q, 17)} IN ('8', '9', 'A', 'B')`
  );
}

/**
 * The transform that reads swapped binary(16) back into the UUID text: what MySQL 8's
 * `BIN_TO_UUID({{value}}, 1)` returns, written with HEX/SUBSTRING so that it also runs on MariaDB (which has
 * no BIN_TO_UUID) and on every MySQL 8. NULL stays NULL (CONCAT, not CONCAT_WS).
 */
export const SWAPPED_UUID_EXPRESSION = (() => {
  const h = 'HEX({{value}})';
  const part = (from: number, len: number) => `SUBSTRING(${h}, ${from}, ${len})`;
  return `LOWER(CONCAT(${part(9, 8)}, '-', ${part(5, 4)}, '-', ${part(1, 4)}, '-', ${part(17, 4)}, '-', ${part(21, 12)}))`;
})();
