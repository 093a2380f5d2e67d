import { type Profile, type ProfileInput, ProfileSchema } from '@conv/core';

/** Migration-history tables of common frameworks: never application data, never loaded unless asked. */
export const DEFAULT_HISTORY_TABLES = [
  'migrations_typeorm',
  'typeorm_metadata',
  'schema_migration',
  'knex_migrations',
  'flyway_schema_history',
  'SequelizeMeta',
] as const;

/** Cache tables: exported for the record, never loaded unless asked. */
export const DEFAULT_CACHE_TABLES = ['query-result-cache'] as const;

/**
 * Resolves a profile: validated by ProfileSchema, with the default history and cache tables added to
 * whatever the profile lists (an application profile never needs to repeat them; `includeHistory` loads them).
 */
export function resolveProfile(input?: ProfileInput): Profile {
  const profile = ProfileSchema.parse(input ?? {});
  return {
    ...profile,
    historyTables: [...new Set([...DEFAULT_HISTORY_TABLES, ...profile.historyTables])],
    cacheTables: [...new Set([...DEFAULT_CACHE_TABLES, ...profile.cacheTables])],
  };
}
