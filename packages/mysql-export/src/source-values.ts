/**
 * SQL that turns a MySQL/MariaDB column into the value the export (and verify) reads, written so that it
 * means the same on MariaDB 10.x and every MySQL 8.0.x / 8.4.
 */

/**
 * `expr` as a DOUBLE. `CAST(x AS DOUBLE)` exists only from MySQL 8.0.17; a product with the DOUBLE literal
 * `1e0` is DOUBLE on every version, exact (FLOAT → DOUBLE widening, then × 1) and keeps -0 (`x + 0e0`
 * would turn -0 into +0).
 */
export function mysqlDouble(expr: string): string {
  return `(${expr}) * 1e0`;
}

/**
 * A `bit(n)` column as its unsigned integer (mysql2 delivers bit values as Buffers; `+ 0` makes the server
 * print the number, a BIGINT UNSIGNED, which arrives as a string).
 */
export function mysqlBitInteger(expr: string): string {
  return `(${expr}) + 0`;
}

/**
 * A spatial column as WKB bytes: MySQL and MariaDB store a geometry as a 4-byte SRID followed by its WKB
 * (little-endian, in the axis order the server stores); dropping the prefix gives the WKB. A plain
 * SUBSTRING also keeps mysql2 from parsing the value into a JavaScript object.
 */
export function mysqlSpatialWkb(expr: string): string {
  return `SUBSTRING(${expr}, 5)`;
}

const SPATIAL_TYPES = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

export function isSpatialType(dataType: string): boolean {
  return SPATIAL_TYPES.has(dataType.toLowerCase());
}
