import type {
  ColumnPair,
  Conversion,
  OmittedColumn,
  PlanIssue,
  SourceColumn,
  SourceTable,
  TargetColumn,
  TargetTable,
  Transform,
} from '@conv/core';
import { conversionFor, conversionForTarget, naturalTargetFor, sourceKind } from './conversions.js';
import { foldedMatch } from './name-fold.js';

export interface MatchedColumns {
  columns: ColumnPair[];
  omitted: OmittedColumn[];
  issues: PlanIssue[];
}

/** The pair as the plan stores it. */
export function makePair(
  source: SourceColumn,
  target: TargetColumn,
  conversion: Conversion,
  transform: Transform | null,
  match: ColumnPair['match'],
): ColumnPair {
  return {
    source: source.name,
    target: target.name,
    sourceType: source.columnType,
    sourceDataType: source.dataType,
    targetType: target.formattedType,
    targetBaseType: target.baseType,
    conversion,
    sourceNullable: source.nullable,
    targetNullable: target.nullable,
    targetMaxLength: target.charMaxLength,
    targetEnumLabels: target.enumLabels,
    transform,
    match,
  };
}

/**
 * With a transform the exported value is no longer the raw column: base64 yields text; a lookup or SQL
 * expression yields whatever it selects, taken as text-like unless the plain pair already converts.
 */
function conversionWithTransform(
  source: SourceColumn,
  target: TargetColumn,
  transform: Transform | null,
): Conversion | null {
  if (!transform) return conversionFor(source, target);
  if (transform.kind === 'base64') return target.typeCategory === 'string' ? 'text' : null;
  return conversionFor(source, target) ?? conversionForTarget(target);
}

/**
 * Pairs source and target columns by name: exact first, then ignoring case (two candidates = ambiguous,
 * reported and left out). Generated source columns are recomputed by the target, never exported.
 */
export function matchColumns(
  src: SourceTable,
  tgt: TargetTable,
  transforms: Record<string, Transform>,
  renames: Readonly<Record<string, string>> = {},
): MatchedColumns {
  const out: MatchedColumns = { columns: [], omitted: [], issues: [] };
  const issue = (
    severity: PlanIssue['severity'],
    code: string,
    column: string | null,
    message: string,
    targetColumn?: string,
  ) =>
    out.issues.push({
      severity,
      code,
      table: src.name,
      column,
      message,
      ...(src.name !== tgt.name ? { targetTable: tgt.name } : {}),
      ...(targetColumn !== undefined && targetColumn !== column ? { targetColumn } : {}),
    });
  // Columns renamed by the profile: `sourceTable.sourceColumn` → target column of this table.
  const renamedTo = new Map<string, string>();
  for (const [key, to] of Object.entries(renames)) {
    const dot = key.indexOf('.');
    if (key.slice(0, dot) === src.name) renamedTo.set(key.slice(dot + 1), to);
  }
  for (const [from, to] of renamedTo) {
    if (!src.columns.some((c) => c.name === from)) {
      issue(
        'error',
        'unknown-rename',
        from,
        `the profile renames ${src.name}.${from}, but MySQL ${src.name} has no column ${from}`,
      );
    } else if (!tgt.columns.some((c) => c.name === to)) {
      issue(
        'error',
        'unknown-rename',
        from,
        `the profile renames ${src.name}.${from} to ${to}, but PostgreSQL ${tgt.name} has no column ${to}`,
      );
    }
  }
  // A renamed-to column is taken: no other source column matches it by name.
  const used = new Set<string>([...renamedTo.values()]);

  for (const s of src.columns) {
    if (s.generated) {
      out.omitted.push({
        column: s.name,
        side: 'source',
        reason: 'generated',
        detail: `generated column (${s.generationExpression ?? 'expression'}): computed by the server, not exported`,
      });
      continue;
    }
    const renamed = renamedTo.get(s.name);
    let target =
      renamed !== undefined
        ? tgt.columns.find((c) => c.name === renamed)
        : tgt.columns.find((c) => c.name === s.name && !used.has(c.name));
    let match: ColumnPair['match'] = renamed !== undefined ? 'renamed' : 'exact';
    if (!target && renamed !== undefined) continue; // reported as unknown-rename above
    if (!target) {
      // Ignoring case, or as snake_case (`AlbumId` → `album_id`, an ORM-made PostgreSQL schema).
      const candidates = tgt.columns.filter((c) => !used.has(c.name) && foldedMatch(s.name, c.name));
      if (candidates.length > 1) {
        const names = candidates.map((c) => c.name).join(', ');
        out.omitted.push({
          column: s.name,
          side: 'source',
          reason: 'ambiguous',
          detail: `matches ${names} in ${tgt.name} ignoring case or as snake_case`,
        });
        issue(
          'error',
          'ambiguous-column',
          s.name,
          `${src.name}.${s.name} matches ${names} ignoring case or as snake_case`,
        );
        for (const c of candidates) used.add(c.name);
        continue;
      }
      target = candidates[0];
      match = target ? foldedMatch(s.name, target.name)! : 'case-insensitive';
    }
    if (!target) {
      out.omitted.push({
        column: s.name,
        side: 'source',
        reason: 'missing-in-target',
        detail: `${tgt.name} has no column ${s.name}: its values are not loaded`,
      });
      issue(
        'warning',
        'column-missing-in-target',
        s.name,
        `${src.name}.${s.name} has no column in ${tgt.name}`,
      );
      continue;
    }
    used.add(target.name);
    if (target.generated) {
      out.omitted.push({
        column: target.name,
        side: 'target',
        reason: 'generated',
        detail: `generated in PostgreSQL: computed there, ${src.name}.${s.name} is not loaded into it`,
      });
      issue(
        'info',
        'generated-target-column',
        s.name,
        `${tgt.name}.${target.name} is generated in PostgreSQL`,
        target.name,
      );
      continue;
    }
    const transform = transforms[`${src.name}.${s.name}`] ?? null;
    const conversion = conversionWithTransform(s, target, transform);
    if (!conversion) {
      out.omitted.push({
        column: s.name,
        side: 'source',
        reason: 'excluded',
        detail: `no conversion from ${s.columnType} to ${target.formattedType}`,
      });
      issue(
        'error',
        'no-conversion',
        s.name,
        `${src.name}.${s.name} ${s.columnType} → ${tgt.name}.${target.name} ${target.formattedType}: no conversion; ` +
          (sourceKind(s) === 'spatial'
            ? 'spatial values load into bytea (as WKB: PostGIS reads it with ST_GeomFromWKB), or into text with ' +
              'the profile transform {"kind":"sql","expression":"ST_AsText({{value}})"}'
            : 'change the target type or give the column a profile transform'),
        target.name,
      );
      continue;
    }
    if (target.identity === 'always') {
      issue(
        'info',
        'identity-always',
        s.name,
        `${tgt.name}.${target.name} is GENERATED ALWAYS AS IDENTITY: COPY loads the source values as they are ` +
          '(INSERT would need OVERRIDING SYSTEM VALUE); its sequence must be reset after the load',
        target.name,
      );
    }
    if (s.nullable && !target.nullable) {
      issue(
        'warning',
        'nullable-to-not-null',
        s.name,
        src.name === tgt.name && s.name === target.name
          ? `${src.name}.${s.name} is nullable in MySQL and NOT NULL in PostgreSQL`
          : `${src.name}.${s.name} is nullable in MySQL, ${tgt.name}.${target.name} is NOT NULL in PostgreSQL`,
        target.name,
      );
    }
    out.columns.push(makePair(s, target, conversion, transform, match));
  }

  for (const t of tgt.columns) {
    if (used.has(t.name)) continue;
    out.omitted.push({
      column: t.name,
      side: 'target',
      reason: 'missing-in-source',
      detail: `${src.name} has no column ${t.name}: PostgreSQL fills it (default, identity or NULL)`,
    });
    const filled = t.nullable || t.default !== null || t.identity !== null || t.generated;
    // A trigger may fill it: by default (--triggers auto) they fire on a table with columns the load leaves out.
    const triggers = userTriggers(tgt);
    issue(
      filled ? 'info' : triggers ? 'warning' : 'error',
      'column-missing-in-source',
      t.name,
      filled
        ? `${tgt.name}.${t.name} has no source column: filled by PostgreSQL`
        : triggers
          ? `${tgt.name}.${t.name} is NOT NULL without default and has no source column: only trigger ${triggers} can fill it — it fires during the load by default (not with --triggers skip)`
          : `${tgt.name}.${t.name} is NOT NULL without default and has no source column: the load would fail`,
    );
  }
  const triggers = userTriggers(tgt);
  if (triggers) {
    const leftOut = out.omitted.some((o) => o.side === 'target');
    issue(
      'info',
      'target-triggers',
      null,
      `${tgt.name} has user trigger ${triggers}: ${leftOut ? 'it fires during the load' : 'it does not fire during the load (every column comes from MySQL)'} with --triggers auto (the default); --triggers fire|skip decides for every table`,
    );
  }
  return out;
}

/** The enabled user (non-internal) triggers of a target table, for messages; '' when none. */
function userTriggers(tgt: TargetTable): string {
  return tgt.triggers
    .filter((t) => t.enabled && !t.internal)
    .map((t) => t.name)
    .join(', ');
}

/** Export-only tables: every column paired with its natural PostgreSQL type, so the CSV is an exact archive. */
export function naturalColumns(src: SourceTable, transforms: Record<string, Transform>): MatchedColumns {
  const out: MatchedColumns = { columns: [], omitted: [], issues: [] };
  for (const s of src.columns) {
    if (s.generated) {
      out.omitted.push({ column: s.name, side: 'source', reason: 'generated', detail: 'generated column' });
      continue;
    }
    const transform = transforms[`${src.name}.${s.name}`] ?? null;
    const natural = naturalTargetFor(s);
    // base64 turns anything into text: archive it as text.
    const target: typeof natural =
      transform?.kind === 'base64'
        ? { ...natural, formattedType: 'text', baseType: 'text', typeCategory: 'string' }
        : natural;
    const conversion = conversionWithTransform(s, target, transform);
    if (!conversion) {
      out.omitted.push({
        column: s.name,
        side: 'source',
        reason: 'excluded',
        detail: `no conversion for ${s.columnType}`,
      });
      out.issues.push({
        severity: 'error',
        code: 'no-conversion',
        table: src.name,
        column: s.name,
        message: `${src.name}.${s.name} ${s.columnType}: no export format known for this type`,
      });
      continue;
    }
    out.columns.push(makePair(s, target, conversion, transform, 'exact'));
  }
  return out;
}
