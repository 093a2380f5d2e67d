import type { PlanIssue, SourceTable, TargetTable } from '@conv/core';
import { foldedMatch } from './name-fold.js';

export interface TableMatch {
  target?: TargetTable;
  issue?: PlanIssue;
  /** How the names matched when not exactly (the plan says so). */
  folded?: 'case-insensitive' | 'snake-case' | 'renamed';
}

/**
 * Source table → target table: a profile rename first (its target must exist, or the rename is an
 * `unknown-rename` error), then the exact name, then ignoring case or as snake_case (`AlbumId` →
 * `album_id`) among the target tables no source table names exactly. Two candidates for one source, or two sources for one target (MySQL on Linux can
 * hold both `User` and `user`), is an `ambiguous-table` error and no match.
 */
export function matchTables(
  sources: readonly SourceTable[],
  targets: readonly TargetTable[],
  renames: Readonly<Record<string, string>> = {},
): Map<string, TableMatch> {
  const out = new Map<string, TableMatch>();
  const exactTargets = new Set<string>();
  for (const s of sources) {
    const renamed = renames[s.name];
    if (renamed === undefined) continue;
    const target = targets.find((t) => t.name === renamed);
    out.set(
      s.name,
      target
        ? { target, folded: 'renamed' }
        : {
            issue: {
              severity: 'error',
              code: 'unknown-rename',
              table: s.name,
              column: null,
              message: `the profile renames ${s.name} to ${renamed}, but PostgreSQL has no table ${renamed}`,
            },
          },
    );
    if (target) exactTargets.add(target.name);
  }
  // A renamed-to table is not also the exact match of a source table of that name.
  const renamedTo = new Set(exactTargets);
  for (const s of sources) {
    if (out.has(s.name)) continue;
    const exact = targets.find((t) => t.name === s.name && !renamedTo.has(t.name));
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
