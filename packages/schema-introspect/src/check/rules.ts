import type { ColumnPair, SourceColumn, TargetColumn } from '@conv/core';
import { quoteMysqlIdent, quotePgIdent } from '@conv/core';
import mysql from 'mysql2/promise';
import { sourceKind } from '../conversions.js';
import { jsonRules } from './rules/json.js';
import { labelRules } from './rules/labels.js';
import { nullRules } from './rules/nulls.js';
import { numericRules } from './rules/numeric.js';
import type { ColumnRule, ColumnScan, RuleContext, ScanRule } from './rules/scan.js';
import { sequenceHeadroomRules } from './rules/sequence-headroom.js';
import { temporalRules } from './rules/temporal.js';
import { SAMPLE_BYTES, textRules } from './rules/text.js';
import { uuidRules } from './rules/uuid.js';
import { valueBoundRules } from './rules/value-bounds.js';

export type { RuleContext, ScanRule } from './rules/scan.js';

/** Every rule family, in the order their findings are reported. */
const FAMILIES: ((scan: ColumnScan) => ColumnRule[])[] = [
  nullRules,
  uuidRules,
  temporalRules,
  textRules,
  jsonRules,
  numericRules,
  labelRules,
  sequenceHeadroomRules,
  valueBoundRules,
];

/**
 * The scan rules of a column with a profile transform, run on the transformed value (the export's SELECT
 * expression `expression`, written for the table alias `src`; the scan's alias is `c`): a lookup that
 * finds nothing leaves the original value, which must still suit the target. Fixes point at the source
 * rows or the transform, not at an UPDATE of the expression.
 */
export function transformedRules(
  pair: ColumnPair,
  column: SourceColumn,
  target: TargetColumn,
  ctx: RuleContext,
  expression: string,
): ScanRule[] {
  const value = `(${expression.replaceAll(`${quoteMysqlIdent('src')}.`, 'c.')})`;
  const asText: SourceColumn = {
    ...column,
    nullable: true,
    dataType: 'longtext',
    columnType: 'longtext',
    charMaxLength: null,
  };
  return rulesFor({ ...pair, transform: null }, asText, target, ctx, value).map((r) => ({
    ...r,
    message: (n, m) => `${r.message(n, m)} (after the profile transform)`,
    fix: () =>
      `fix those rows of ${ctx.tableName} in MySQL, or the profile transform "${ctx.tableName}.${pair.source}"`,
  }));
}

/** The scan rules for one planned column pair (`value`: the expression scanned, default the column). */
export function rulesFor(
  pair: ColumnPair,
  column: SourceColumn,
  target: TargetColumn,
  ctx: RuleContext,
  value?: string,
): ScanRule[] {
  if (pair.transform) return []; // the exported value is the transform's, not the column's
  const scan = columnScan(pair, column, target, ctx, value ?? quoteMysqlIdent(pair.source));
  return FAMILIES.flatMap((family) => family(scan).map((r) => ({ column: pair.source, ...r })));
}

function columnScan(
  pair: ColumnPair,
  column: SourceColumn,
  target: TargetColumn,
  ctx: RuleContext,
  q: string,
): ColumnScan {
  const kind = sourceKind(column);
  return {
    pair,
    column,
    target,
    ctx,
    q,
    kind,
    where: `${ctx.tableName}.${pair.source}`,
    pgCol: `${quotePgIdent(ctx.targetSchema)}.${quotePgIdent(ctx.targetTable)}`,
    // Sample values as text made by the server (a 64-bit integer never passes through a JS number), cut to a
    // prefix there: a sample of a 1 GB longtext must not travel whole.
    shown: kind === 'binary' ? `LEFT(${q}, ${SAMPLE_BYTES})` : `LEFT(CAST(${q} AS CHAR), ${SAMPLE_BYTES})`,
    update: (set, cond, params = []) =>
      mysql.format(`UPDATE ${ctx.table} SET ${q} = ${set} WHERE ${cond}`, params),
  };
}
