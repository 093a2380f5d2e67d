// Must show: a migrate round trip of the Kratos fixture equals import's result value for value, and
// its --keep-csv export directory equals the exporter's byte for byte.
import { migrateEqualsImport } from './fixture-round-trip.js';

migrateEqualsImport('kratos', { loaded: 25, exported: 26 });
