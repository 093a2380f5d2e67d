/**
 * String comparisons that run on MySQL 8 and MariaDB whatever the collations of the two sides. Two columns
 * of different collations (MySQL 8's default utf8mb4_0900_ai_ci next to utf8mb4_general_ci or
 * utf8mb4_unicode_ci) cannot be compared with a plain `=` (error 1267, illegal mix of collations).
 */

/**
 * The UTF-8 bytes of a character value, compared byte for byte: what PostgreSQL's text equality sees
 * after the load (no case folding, no PAD SPACE, whatever the source charset). Only for character
 * columns: on MySQL 8, CONVERT of bytes that are not valid UTF-8 is NULL.
 */
export function mysqlUtf8Bytes(expr: string): string {
  return `CAST(CONVERT(${expr} USING utf8mb4) AS BINARY)`;
}
