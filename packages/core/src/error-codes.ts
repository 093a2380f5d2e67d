/**
 * Every code a ConvError can carry: public through `--json` (`error.code`), so one style (`area.reason`)
 * and one code per meaning. docs/troubleshooting.md lists them all (a test keeps it so).
 * Findings of `check` have their own codes (one per kind of bad value, many per report): not errors.
 */
export const ERROR_CODES = [
  { code: 'cli.usage', meaning: 'the command line cannot be parsed' },
  { code: 'config.invalid', meaning: 'a setting (flag, environment variable, .env file) is not valid' },
  { code: 'config.env-file', meaning: 'the --env-file does not exist or cannot be read' },
  { code: 'config.profile', meaning: 'a profile (--profile file or built-in) is not valid' },
  {
    code: 'connect.failed',
    meaning: 'a server cannot be reached or refused the login (engine and server in location)',
  },
  {
    code: 'connect.lost',
    meaning: 'a session conv opened was closed mid-run (KILL, restart, crash, network)',
  },
  { code: 'connect.stalled', meaning: 'a server stopped answering for longer than the stall bound' },
  {
    code: 'connect.query-killed',
    meaning: 'the server ended a running query (KILL QUERY, statement timeout)',
  },
  { code: 'source.no-database', meaning: 'no MySQL database was named' },
  { code: 'source.unknown-database', meaning: 'the MySQL database does not exist on the server' },
  { code: 'target.unknown-schema', meaning: 'the PostgreSQL schema does not exist' },
  { code: 'target.busy', meaning: 'another import is writing into the target' },
  { code: 'target.not-empty', meaning: 'the target tables hold rows and no replace was asked' },
  { code: 'target.column-missing', meaning: 'a planned column does not exist in its target table' },
  { code: 'target.column-generated', meaning: 'a planned column is a generated column in the target' },
  {
    code: 'target.triggers-not-owner',
    meaning: 'triggers cannot be switched: the role does not own the table',
  },
  {
    code: 'target.referenced-from-outside',
    meaning: 'a table outside the export references a loaded table (truncating would need CASCADE)',
  },
  { code: 'table.no-key', meaning: 'a table has no primary or unique key where rows must be matched by key' },
  {
    code: 'plan.unknown-table',
    meaning: 'a table named on the command line is not in the plan or the export',
  },
  {
    code: 'plan.history-not-planned',
    meaning: 'history tables were asked for but the export was planned without them',
  },
  { code: 'run.unknown-id', meaning: 'the --run-id names no run of the audit log' },
  { code: 'run.other-app', meaning: 'the --run-id names a run of another application' },
  { code: 'process.interrupted', meaning: 'stopped by the operator (SIGINT/SIGTERM)' },
  { code: 'internal.unexpected', meaning: 'a failure conv did not foresee (a bug): rerun with --debug' },
  { code: 'file.write', meaning: 'a local file (export, lock, script, log) cannot be written' },
  { code: 'dir.busy', meaning: 'another export or import holds the directory' },
  { code: 'data.value', meaning: 'a value cannot be carried to its target column without damage' },
  { code: 'csv.malformed', meaning: 'a CSV file of the export is not well-formed' },
  { code: 'csv.read', meaning: 'a CSV file of the export cannot be read' },
  { code: 'check.failed', meaning: 'check found blocking problems; nothing was written' },
  { code: 'check.scan-failed', meaning: 'scanning a source table failed' },
  { code: 'export.aborted', meaning: 'the export was stopped before completion' },
  { code: 'export.count-mismatch', meaning: 'rows read differ from COUNT(*) in the same snapshot' },
  { code: 'export.exists', meaning: 'the directory already holds a complete export' },
  { code: 'export.read', meaning: 'reading a source table failed' },
  { code: 'export.table-changed', meaning: 'a table was altered or dropped while it was exported' },
  { code: 'import.bad-export', meaning: 'the export directory does not match its manifest' },
  { code: 'import.bad-state', meaning: 'import_state.json cannot be read' },
  { code: 'import.state-mismatch', meaning: 'import_state.json belongs to another import: cannot resume' },
  { code: 'import.resume-conflict', meaning: 'a table changed outside the import before it resumed' },
  { code: 'import.nothing-to-load', meaning: 'every table of the export was skipped' },
  { code: 'import.fk-strategy-unavailable', meaning: 'the chosen foreign-key strategy cannot be used here' },
  { code: 'import.saved-keys-unavailable', meaning: 'dropped foreign keys cannot be saved in the target' },
  { code: 'import.copy-failed', meaning: 'loading a file into its table failed' },
  { code: 'import.row-rejected', meaning: 'PostgreSQL refused a row; the load was rolled back' },
  { code: 'import.count-mismatch', meaning: 'PostgreSQL loaded another number of rows than were sent' },
  { code: 'import.foreign-key-violation', meaning: 'loaded rows break a foreign key' },
  { code: 'import.unique-violation', meaning: 'loaded rows break a unique constraint' },
  { code: 'import.exclusion-violation', meaning: 'loaded rows break an exclusion constraint' },
  { code: 'import.failed', meaning: 'the load failed and was rolled back' },
  { code: 'verify.mismatch', meaning: 'verify found a difference between MySQL and PostgreSQL' },
  { code: 'verify.encoding', meaning: 'the PostgreSQL database is not UTF-8' },
  { code: 'verify.mode', meaning: 'the verify mode does not fit the call' },
  { code: 'verify.query', meaning: 'a verify query of a table failed' },
  { code: 'sync.precondition', meaning: 'the source cannot be followed from its binlog' },
  { code: 'sync.no-position', meaning: 'the export recorded no binlog position' },
  { code: 'sync.no-gtid', meaning: 'no GTID is stored with the applied position' },
  { code: 'sync.busy', meaning: 'another sync or cutover applies the binlog to this database' },
  { code: 'sync.read', meaning: 'reading the binlog failed' },
  { code: 'sync.row-image', meaning: 'a binlog row lacks a column (binlog_row_image is not FULL)' },
  {
    code: 'sync.statement',
    meaning: 'the source logged a statement on a planned table (DDL or STATEMENT format)',
  },
  { code: 'sync.apply', meaning: 'PostgreSQL refused a batch of binlog changes' },
  { code: 'cutover.read-only', meaning: 'the source cannot be set read-only' },
  { code: 'cutover.no-background-verify', meaning: 'only the changed rows cannot be verified' },
  { code: 'cutover.cascades', meaning: 'cascading foreign keys prevent verifying only the changed rows' },
  { code: 'audit.status', meaning: 'not a valid run status' },
  { code: 'audit.event', meaning: 'not a valid audit event' },
  { code: 'audit.corrupt', meaning: 'the audit log file cannot be parsed' },
  { code: 'audit.lock', meaning: 'the audit log could not be locked in time' },
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number]['code'];

/** The codes alone, in the order above (for enums in schemas). */
export const ERROR_CODE_LIST = ERROR_CODES.map((c) => c.code) as unknown as readonly [
  ErrorCode,
  ...ErrorCode[],
];
