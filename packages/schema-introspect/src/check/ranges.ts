/** Integer ranges of both sides, as bigint (64-bit values must never pass through a JS number). */
export interface IntRange {
  min: bigint;
  max: bigint;
}

const MYSQL_SIGNED: Record<string, IntRange> = {
  tinyint: { min: -128n, max: 127n },
  smallint: { min: -32768n, max: 32767n },
  mediumint: { min: -8388608n, max: 8388607n },
  int: { min: -2147483648n, max: 2147483647n },
  integer: { min: -2147483648n, max: 2147483647n },
  bigint: { min: -9223372036854775808n, max: 9223372036854775807n },
};
const MYSQL_UNSIGNED_MAX: Record<string, bigint> = {
  tinyint: 255n,
  smallint: 65535n,
  mediumint: 16777215n,
  int: 4294967295n,
  integer: 4294967295n,
  bigint: 18446744073709551615n,
};

export const PG_INT_RANGES: Record<string, IntRange> = {
  int2: { min: -32768n, max: 32767n },
  int4: { min: -2147483648n, max: 2147483647n },
  int8: { min: -9223372036854775808n, max: 9223372036854775807n },
};

/** Range of a MySQL integer column, or null when it is not an integer type. */
export function mysqlIntRange(dataType: string, unsigned: boolean): IntRange | null {
  if (unsigned) {
    const max = MYSQL_UNSIGNED_MAX[dataType];
    return max === undefined ? null : { min: 0n, max };
  }
  return MYSQL_SIGNED[dataType] ?? null;
}

/** Whether every value of `source` fits `target`. */
export function fits(source: IntRange, target: IntRange): boolean {
  return source.min >= target.min && source.max <= target.max;
}
