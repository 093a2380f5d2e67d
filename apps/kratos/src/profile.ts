import type { AppProfile } from '@conv/cli';

/**
 * Ory Kratos: the MySQL database `kratos` into the PostgreSQL schema made by `kratos migrate sql`.
 * Everything moves, `networks` included; only the migration history stays behind.
 */
export const kratos: AppProfile = {
  name: 'kratos',
  database: 'kratos',
  profile: {
    name: 'kratos',
    // Kratos' own history of the PostgreSQL migrations that created the target.
    historyTables: ['schema_migration'],
  },
};
