// Must show: a migrate round trip of the Alkemio fixture equals import's result value for value, and
// its --keep-csv export directory equals the exporter's byte for byte.
import { migrateEqualsImport } from './fixture-round-trip.js';

migrateEqualsImport('alkemio', { loaded: 75, exported: 79 });
