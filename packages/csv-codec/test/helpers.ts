import type { ColumnPair, Conversion } from '@conv/core';

/** A ColumnPair as the planner would build it, for tests. */
export function pairOf(conversion: Conversion, over: Partial<ColumnPair> = {}): ColumnPair {
  return {
    source: 'v',
    target: 'v',
    sourceType: 'text',
    sourceDataType: 'text',
    targetType: 'text',
    targetBaseType: 'text',
    conversion,
    sourceNullable: true,
    targetNullable: true,
    targetMaxLength: null,
    targetEnumLabels: null,
    transform: null,
    match: 'exact',
    ...over,
  };
}
