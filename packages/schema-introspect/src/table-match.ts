import type { PlanIssue, SourceTable, TargetTable } from '@conv/core';
import { foldedMatch } from './name-fold.js';

export interface TableMatch {
  target?: TargetTable;
  issue?: PlanIssue;
  /** How the names matched when not exactly (the plan says so). */
  folded?: 'case-insensitive' | 'snake-case';
}

/**
 * Source table → target table: exact name first, then ignoring case or as snake_case (`AlbumId` →
 * `album_id`) among the target tables no source table names exactly. Two candidates for one source, or two sources for one target (MySQL on Linux can
 * hold both `User` and `user`), is an `ambiguous-table` error and no match.
 */
export function matchTables(
  sources: readonly SourceTable[],
  targets: readonly TargetTable[],
): Map<string, TableMatch> {
  const out = new Map<string, TableMatch>();
  const exactTargets = new Set<string>();
  for (const s of sources) {
    const exact = targets.find((t) => t.name === s.name);
    if (exact) {
      out.set(s.name, { target: exact });
      exactTargets.add(exact.name);
    }
  }
  const free = targets.filter((t) => !exactTargets.has(t.name));
  const claims = new Map<string, string[]>();
  const pending = sources.filter((s) => !out.has(s.name));
  for (const s of pending) {
    for (const t of free.filter((x) => foldedMatch(s.name, x.name))) {
      claims.set(t.name, [...(claims.get(t.name) ?? []), s.name]);
    }
  }
  const ambiguous = (table: string, message: string): TableMatch => ({
    issue: { severity: 'error', code: 'ambiguous-table', table, column: null, message },
  });
  for (const s of pending) {
    const candidates = free.filter((t) => foldedMatch(s.name, t.name));
    if (candidates.length === 0) {
      out.set(s.name, {});
    } else if (candidates.length > 1) {
      const names = candidates.map((t) => t.name).join(', ');
      out.set(
        s.name,
        ambiguous(
          s.name,
          `${s.name} matches ${names} in PostgreSQL ignoring case or as snake_case: rename one or exclude the table`,
        ),
      );
    } else {
      const rivals = claims.get(candidates[0]!.name) ?? [];
      out.set(
        s.name,
        rivals.length > 1
          ? ambiguous(
              s.name,
              `${rivals.join(', ')} all match PostgreSQL table ${candidates[0]!.name} ignoring case or as snake_case: exclude all but one`,
            )
          : { target: candidates[0]!, folded: foldedMatch(s.name, candidates[0]!.name)! },
      );
    }
  }
  return out;
}
