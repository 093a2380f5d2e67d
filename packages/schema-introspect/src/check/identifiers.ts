import type { Finding, MigrationPlan, SourceCatalog, TargetCatalog } from '@conv/core';

/** PostgreSQL keeps at most NAMEDATALEN - 1 bytes of an identifier and silently cuts the rest. */
export const PG_MAX_IDENTIFIER_BYTES = 63;

/** The name PostgreSQL makes of `name`: cut to 63 bytes, never inside a UTF-8 character. */
export function pgTruncatedName(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= PG_MAX_IDENTIFIER_BYTES) return name;
  let cut = PG_MAX_IDENTIFIER_BYTES;
  while (cut > 0 && ((bytes[cut] as number) & 0xc0) === 0x80) cut--;
  return bytes.subarray(0, cut).toString('utf8');
}

/**
 * Source tables and columns whose names PostgreSQL cannot hold (> 63 bytes): no target table can have
 * that name, so the rows would silently not be loaded. An error, with the name the target may hold instead.
 * A name the plan pairs anyway (a profile rename) is no finding.
 */
export function longNameFindings(
  source: SourceCatalog,
  target: TargetCatalog,
  plan?: MigrationPlan,
): Finding[] {
  const loaded = (table: string) => plan?.tables.find((t) => t.source === table && t.action === 'load');
  const findings: Finding[] = [];
  const targetTables = new Set(target.tables.map((t) => t.name));
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  for (const table of source.tables) {
    const planned = loaded(table.name);
    if (bytes(table.name) > PG_MAX_IDENTIFIER_BYTES && !planned) {
      const cut = pgTruncatedName(table.name);
      findings.push({
        severity: 'error',
        code: 'name-too-long',
        table: table.name,
        column: null,
        message: `table name ${table.name} is ${bytes(table.name)} bytes; PostgreSQL names hold at most 63 bytes (it would be called ${cut}), so no target table can match it`,
        count: null,
        samples: [],
        fix: targetTables.has(cut)
          ? `the target has ${cut} (the name cut to 63 bytes): map it in the profile (renames.tables: {"${table.name}": "${cut}"}), or exclude it in the profile`
          : `rename the MySQL table to at most 63 bytes (and its PostgreSQL counterpart alike), map it to a PostgreSQL table in the profile's renames.tables, or exclude it in the profile`,
      });
      continue;
    }
    for (const column of table.columns) {
      if (bytes(column.name) <= PG_MAX_IDENTIFIER_BYTES) continue;
      if (planned?.columns.some((c) => c.source === column.name)) continue;
      findings.push({
        severity: 'error',
        code: 'name-too-long',
        table: table.name,
        column: column.name,
        message: `column name ${table.name}.${column.name} is ${bytes(column.name)} bytes; PostgreSQL names hold at most 63 bytes (it would be called ${pgTruncatedName(column.name)})`,
        count: null,
        samples: [],
        fix: `rename the MySQL column to at most 63 bytes (ALTER TABLE … RENAME COLUMN), or map it to a PostgreSQL column in the profile (renames.columns: {"${table.name}.${column.name}": "<column>"})`,
      });
    }
  }
  return findings;
}
