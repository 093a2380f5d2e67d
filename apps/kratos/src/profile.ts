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
    // Kratos' own history (`schema_migration`) is a built-in history table: left out without listing it.
  },
};
