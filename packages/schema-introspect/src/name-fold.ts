/**
 * snake_case spelling of a MySQL name, the way ORMs re-create schemas for PostgreSQL: `AlbumId` →
 * `album_id`, `HTMLParser` → `html_parser`, `track2Album` → `track2_album`, `user_id` → `user_id`.
 */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** How a source name matches a target name once the exact spelling failed; null when it does not. */
export function foldedMatch(source: string, target: string): 'case-insensitive' | 'snake-case' | null {
  if (source.toLowerCase() === target.toLowerCase()) return 'case-insensitive';
  if (snakeCase(source) === target.toLowerCase()) return 'snake-case';
  return null;
}
