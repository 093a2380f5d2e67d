export { type MigrateOptions, type MigrateResult, migrate } from './migrate.js';
