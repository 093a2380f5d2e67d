import type { AppProfile } from '@conv/cli';

/**
 * Alkemio: the MySQL database `alkemio` into the PostgreSQL schema made by the server's own migrations.
 * Data only — every rule below is applied by the generic commands.
 */
export const alkemio: AppProfile = {
  name: 'alkemio',
  database: 'alkemio',
  profile: {
    name: 'alkemio',
    // TypeORM's history (`migrations_typeorm`) and cache (`query-result-cache`) are built-in history and
    // cache tables: the plan keeps them out of the load and marks them expected without listing them here.
    // Legacy tables long-lived databases still have; the PostgreSQL schema no longer does.
    expectedMissingInTarget: ['challenge', 'opportunity'],
    transforms: {
      // zlib bytes held in a text column: carried as base64, which the application now expects.
      'whiteboard.content': { kind: 'base64' },
      'callout_contribution_defaults.whiteboardContent': { kind: 'base64' },
      // Some rows hold the virtual contributor's nameID instead of its id: resolved during export
      // (the source is not modified).
      'vc_interaction.virtualContributorID': {
        kind: 'lookup',
        table: 'virtual_contributor',
        matchColumn: 'nameID',
        valueColumn: 'id',
      },
    },
  },
};
