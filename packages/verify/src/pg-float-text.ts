/**
 * The canonical text of a double on the PostgreSQL side, `[-]<significant digits>e<exponent of the first
 * digit>` (the form `mysqlFloatCanonical` gives MySQL's text), with MySQL's choice of digits: the shortest that
 * read back to the same double, a digit string lying exactly halfway to the next double included.
 *
 * PostgreSQL's shortest output (Ryu) never picks a halfway string, so for those doubles it prints more
 * digits than MySQL (`-3.8379370057518323e+17` where MySQL prints `-3.837937005751832e17`,
 * `9.999999999999999e+22` for `1e23`). Such a shorter string is then one of the two neighbours of
 * PostgreSQL's digits with one digit fewer (cut, or cut and counted up): the one that reads back to the
 * same double is the answer — possible only from 2^53 up: below, a midpoint between two doubles has 17 or
 * more significant digits, more than any such shorter string. Text operations only (numeric arithmetic
 * per value is far too slow); below 2^53 without sub-selects (one per value costs more than printing the
 * double a few times). Zero and NULL come from the number.
 */
export function pgFloatCanonical(float8: string): string {
  const x = float8;
  const { sg, sig, e1 } = parts(x);
  return (
    `(CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} = 0 THEN '0' ` +
    `WHEN abs(${x}) < 9007199254740992 THEN ${sg} || ${sig} || 'e' || (${e1})::text ` +
    `ELSE ${exact(x)} END)`
  );
}

/**
 * Sign, significant digits and exponent of the first digit, read off PostgreSQL's text of a non-zero
 * double: `d.ddde±X` (the first digit is not 0), `ddd.ddd` from 1 up, `0.000ddd` below.
 */
function parts(x: string): { sg: string; sig: string; e1: string } {
  const t = `(${x})::text`;
  const frac = `split_part(${t}, '.', 2)`;
  const exp = `strpos(${t}, 'e') > 0`;
  return {
    sg: `CASE WHEN ${x} < 0 THEN '-' ELSE '' END`,
    sig:
      `CASE WHEN ${exp} THEN rtrim(translate(split_part(${t}, 'e', 1), '.-', ''), '0') ` +
      `WHEN abs(${x}) >= 1 THEN rtrim(translate(${t}, '.-', ''), '0') ELSE ltrim(${frac}, '0') END`,
    e1:
      `CASE WHEN ${exp} THEN split_part(${t}, 'e', 2)::int ` +
      `WHEN abs(${x}) >= 1 THEN strpos(${t} || '.', '.') - 2 - (${x} < 0)::int ` +
      `ELSE length(ltrim(${frac}, '0')) - length(${frac}) - 1 END`,
  };
}

/**
 * From 2^53 up: PostgreSQL's digits, or the string one digit shorter (cut, or cut and counted up) when
 * that reads back to the same double. Each step once per value in a sub-select (OFFSET 0 keeps the
 * planner from inlining it back, repeated).
 */
function exact(x: string): string {
  const { sg, sig, e1 } = parts('v');
  const a = `(SELECT v AS x, ${sg} AS sg, ${sig} AS sig, ${e1} AS e1 FROM (SELECT ${x} AS v) v OFFSET 0) a`;
  const b = `(SELECT x, sg, sig, e1, length(sig) AS k, left(sig, length(sig) - 1) AS cut FROM ${a} OFFSET 0) b`;
  const as = (digits: string, exp: string) => `sg || rtrim(${digits}, '0') || 'e' || (${exp})::text`;
  const near = (digits: string) => `(sg || ${digits} || 'e' || (e1 - k + 2)::text)::float8 = x`;
  const up = "(NULLIF(cut, '')::bigint + 1)::text";
  return (
    `(SELECT CASE WHEN k <= 1 OR e1 NOT BETWEEN -323 AND 307 THEN ${as('sig', 'e1')} ` +
    // Only neighbours inside the double range are cast (float8 input raises an error outside it).
    `WHEN ${near('cut')} THEN ${as('cut', 'e1')} ` +
    `WHEN ${near(up)} THEN ${as(up, `e1 + length(${up}) - k + 1`)} ` +
    `ELSE ${as('sig', 'e1')} END FROM ${b})`
  );
}
