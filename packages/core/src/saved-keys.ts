/**
 * Where the loader keeps foreign keys it dropped (per-table `drop-recreate`) until it re-adds them, in the
 * target database: read by the loader (to restore them) and by verify (to report them while missing).
 */
export const SAVED_FOREIGN_KEYS_SCHEMA = 'conv_state';
export const SAVED_FOREIGN_KEYS_TABLE = 'saved_foreign_keys';
/** In the target schema itself, when the role may not create `conv_state`. */
export const SAVED_FOREIGN_KEYS_FALLBACK_TABLE = 'conv_saved_foreign_keys';
