/** Helpers that read MySQL/MariaDB COLUMN_TYPE strings. */

const INT_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/**
 * Lower-cases a COLUMN_TYPE and drops integer display widths (`int(11)` → `int`), which MariaDB prints and
 * MySQL 8.0.19+ does not, so both servers give the same catalog. `tinyint(1)` keeps its width: MySQL 8 keeps
 * it too, and it is the conventional boolean marker.
 */
export function normaliseColumnType(columnType: string, dataType: string): string {
  let type = columnType.trim();
  // Only lower-case the type words, never the enum/set labels.
  const paren = type.indexOf('(');
  if (dataType === 'enum' || dataType === 'set') {
    type = type.slice(0, paren).toLowerCase() + type.slice(paren);
  } else {
    type = type.toLowerCase();
  }
  if (INT_TYPES.has(dataType)) {
    type = type.replace(/^(tinyint|smallint|mediumint|int|integer|bigint)\((\d+)\)/, (all, name, width) =>
      name === 'tinyint' && width === '1' ? all : name,
    );
  }
  return type;
}

/** Labels of `enum('a','b')` / `set('a','b')` as information_schema prints them ('' doubles a quote). */
export function parseEnumLabels(columnType: string): string[] {
  const start = columnType.indexOf('(');
  const end = columnType.lastIndexOf(')');
  if (start < 0 || end < start) return [];
  const body = columnType.slice(start + 1, end);
  const labels: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] !== "'") {
      i++;
      continue;
    }
    let label = '';
    i++;
    while (i < body.length) {
      const ch = body[i]!;
      if (ch === "'" && body[i + 1] === "'") {
        label += "'";
        i += 2;
      } else if (ch === '\\' && i + 1 < body.length) {
        label += body[i + 1];
        i += 2;
      } else if (ch === "'") {
        i++;
        break;
      } else {
        label += ch;
        i++;
      }
    }
    labels.push(label);
  }
  return labels;
}

/** Display width / length in parentheses: `binary(16)` → 16, `bit(1)` → 1. */
export function typeLength(columnType: string): number | null {
  const m = /^\w+\((\d+)\)/.exec(columnType);
  return m ? Number(m[1]) : null;
}

/** Columns named in `json_valid(`col`)` calls of a MariaDB CHECK clause. */
export function jsonValidColumns(checkClause: string): string[] {
  const out: string[] = [];
  const re = /json_valid\(\s*`((?:[^`]|``)+)`\s*\)/gi;
  for (const m of checkClause.matchAll(re)) out.push(m[1]!.replaceAll('``', '`'));
  return out;
}
