/**
 * The canonical text of a double on the PostgreSQL side, `[-]<significant digits>e<exponent of the first
 * digit>` (the form `floatCanonical` gives MySQL's text), with MySQL's choice of digits: the shortest that
 * read back to the same double, a digit string lying exactly halfway to the next double included.
 *
 * PostgreSQL's shortest output (Ryu) never picks a halfway string, so for those doubles it prints more
 * digits than MySQL (`-3.8379370057518323e+17` where MySQL prints `-3.837937005751832e17`,
 * `9.999999999999999e+22` for `1e23`). Such a shorter string is then one of the two neighbours of
 * PostgreSQL's digits with one digit fewer (cut, or cut and counted up): the one that reads back to the
 * same double is the answer. Text operations only (numeric arithmetic per value is far too slow), each
 * step computed once in a sub-select (OFFSET 0 keeps the planner from inlining it back, repeated).
 */
export function pgFloatCanonical(float8: string): string {
  const step = (select: string, from: string) => `(SELECT ${select} FROM ${from} OFFSET 0)`;
  const a = step(`v AS x, v::text AS t`, `(SELECT ${float8} AS v) a`);
  const b = step(`x, t, split_part(ltrim(t, '-'), 'e', 1) AS m`, `${a} b`);
  const c = step(
    `x, t, replace(m, '.', '') AS d, ` +
      `CASE WHEN strpos(m, '.') > 0 THEN strpos(m, '.') - 1 ELSE length(m) END AS il, ` +
      `CASE WHEN strpos(t, 'e') > 0 THEN split_part(t, 'e', 2)::int ELSE 0 END AS ex`,
    `${b} c`,
  );
  const d = step(
    `x, CASE WHEN left(t, 1) = '-' THEN '-' ELSE '' END AS sg, rtrim(ltrim(d, '0'), '0') AS sig, ` +
      `ex + il - 1 - (length(d) - length(ltrim(d, '0'))) AS e1`,
    `${c} d`,
  );
  const e = step(`x, sg, sig, e1, length(sig) AS k, left(sig, length(sig) - 1) AS cut`, `${d} e`);
  const f = step(`x, sg, sig, e1, k, cut, (NULLIF(cut, '')::bigint + 1)::text AS up`, `${e} f`);
  const as = (digits: string, exp: string) => `sg || rtrim(${digits}, '0') || 'e' || (${exp})::text`;
  const near = (digits: string) => `(sg || ${digits} || 'e' || (e1 - k + 2)::text)::float8 = x`;
  return (
    `(SELECT CASE WHEN x IS NULL THEN NULL WHEN sig = '' THEN '0' ` +
    // Only neighbours inside the double range are cast (float8 input raises an error outside it).
    `WHEN k <= 1 OR e1 NOT BETWEEN -323 AND 307 THEN ${as('sig', 'e1')} ` +
    `WHEN ${near('cut')} THEN ${as('cut', 'e1')} ` +
    `WHEN ${near('up')} THEN ${as('up', 'e1 + length(up) - k + 1')} ` +
    `ELSE ${as('sig', 'e1')} END FROM ${f} g)`
  );
}
