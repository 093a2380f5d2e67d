// Issue 16 item 1: every MySQL DOUBLE arrives in PostgreSQL bit for bit (float8 and numeric targets), and
// verify's canonical form tells apart two doubles one unit in the last place apart.
import { ExitCode } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

/** Deterministic PRNG (mulberry32), so a failure names a reproducible value. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bitsOf(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString('hex');
}

/** Random doubles: any bit pattern, 17-significant-digit decimals, subnormals, extremes, -0. */
function randomDoubles(n: number): number[] {
  const rnd = prng(16);
  const out = [
    95.29497715889039,
    9424777960769.379,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    2.2250738585072009e-308, // largest subnormal
    2.2250738585072014e-308, // smallest normal
    0.1,
    1 / 3,
    -0,
    0,
    2 ** 53 + 2,
    1e21,
    1e-7,
    123456789012345680000,
    // Either side of 2^53, where verify's PostgreSQL form starts trying one digit fewer (halfway strings),
    // and of the notations' limits (1e15 and 1e-4 on PostgreSQL).
    2 ** 53 - 1,
    2 ** 53,
    -(2 ** 53),
    2 ** 52 + 1,
    1e23,
    -3.8379370057518323e17,
    1e15,
    999999999999999.9,
    1e-4,
    9.999999999999999e-5,
    1200,
    -1,
  ];
  const b = Buffer.alloc(8);
  while (out.length < n) {
    const kind = out.length % 4;
    let x: number;
    if (kind === 0) {
      // Any bit pattern: every exponent, subnormals included.
      b.writeUInt32BE(Math.floor(rnd() * 2 ** 32), 0);
      b.writeUInt32BE(Math.floor(rnd() * 2 ** 32), 4);
      x = b.readDoubleBE(0);
    } else if (kind === 1) {
      // 17 significant digits around everyday magnitudes.
      const digits = `${1 + Math.floor(rnd() * 9)}${Math.floor(rnd() * 1e16)
        .toString()
        .padStart(16, '0')}`;
      x = Number(
        `${digits.slice(0, 1 + Math.floor(rnd() * 14))}.${digits.slice(1 + Math.floor(rnd() * 14))}`,
      );
      if (rnd() < 0.5) x = -x;
    } else if (kind === 2) {
      // Subnormals.
      b.writeUInt32BE((Math.floor(rnd() * 2 ** 20) | (rnd() < 0.5 ? 0x80000000 : 0)) >>> 0, 0);
      b.writeUInt32BE(Math.floor(rnd() * 2 ** 32), 4);
      x = b.readDoubleBE(0);
    } else {
      x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
    }
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

const VALUES = randomDoubles(3000);

describe('DOUBLE round trip (issue 16 item 1)', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query('CREATE TABLE d (id int PRIMARY KEY, v double, w double NOT NULL)');
    for (let i = 0; i < VALUES.length; i += 500) {
      const rows = VALUES.slice(i, i + 500).map((v, k) => [i + k + 1, v, v]);
      // Parameters print a number with String(): the exact shortest text, so MySQL stores this very double.
      await db.conn.query('INSERT INTO d (id, v, w) VALUES ?', [rows]);
    }
    await db.conn.query('INSERT INTO d (id, v, w) VALUES (?, NULL, ?)', [VALUES.length + 1, 1.5]);
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query('CREATE TABLE d (id int PRIMARY KEY, v float8, w numeric)');
  });
  const urls = () => ['--mysql-url', source.url, '--pg-url', target.url];

  it('lands every double bit for bit, in float8 and in numeric, and run + verify say so (exit 0)', async () => {
    // What MySQL holds, bit for bit (an -0 MySQL turned into 0 is then expected as 0).
    const [stored] = await source.conn.query('SELECT id, CAST(v AS CHAR) AS v FROM d WHERE v IS NOT NULL');
    const held = new Map((stored as { id: number; v: string }[]).map((r) => [r.id, bitsOf(Number(r.v))]));
    let heldSame = 0;
    VALUES.forEach((v, i) => {
      if (held.get(i + 1) === bitsOf(v) || (Object.is(v, -0) && held.get(i + 1) === bitsOf(0))) heldSame++;
    });
    expect(heldSame).toBe(VALUES.length);

    const res = await cli(['run', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    const rows = await target.query<{ id: number; v: string | null; w: string }>(
      "SELECT id, encode(float8send(v), 'hex') AS v, encode(float8send(w::float8), 'hex') AS w FROM d ORDER BY id",
    );
    expect(rows).toHaveLength(VALUES.length + 1);
    const wrong = rows
      .filter((r) => r.id <= VALUES.length)
      .filter((r) => r.v !== held.get(r.id) || r.w !== held.get(r.id))
      .map(
        (r) => `id ${r.id}: MySQL ${VALUES[r.id - 1]} (${held.get(r.id)}) → float8 ${r.v}, numeric ${r.w}`,
      );
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(rows.at(-1)?.v).toBeNull();
  });

  it("verify's canonical form tells apart doubles one ulp apart (exit 4), both for float8 and numeric", async () => {
    const id = 1; // 95.29497715889039
    await target.query('UPDATE d SET v = $1::float8 WHERE id = $2', ['95.2949771588904', id]);
    const res = await cli(['verify', ...urls()], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.verifyMismatch);
    await target.query('UPDATE d SET v = $1::float8, w = $2::numeric WHERE id = $3', [
      '95.29497715889039',
      '95.2949771588904',
      id,
    ]);
    const res2 = await cli(['verify', ...urls()], { cwd: tempDir() });
    expect(res2.code, res2.all).toBe(ExitCode.verifyMismatch);
    await target.query('UPDATE d SET w = $1::numeric WHERE id = $2', ['95.29497715889039', id]);
    const res3 = await cli(['verify', ...urls()], { cwd: tempDir() });
    expect(res3.code, res3.all).toBe(ExitCode.ok);
  });
});

/** Random single-precision values (any finite bit pattern), as the doubles they are exactly. */
function randomFloats(n: number): number[] {
  const rnd = prng(14);
  const b = Buffer.alloc(4);
  const out = [0.1, -2.5, 3.4028234663852886e38, 1.401298464324817e-45, 9.384828567504883].map(Math.fround);
  while (out.length < n) {
    b.writeUInt32BE(Math.floor(rnd() * 2 ** 32), 0);
    const x = b.readFloatBE(0);
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

const FLOATS = randomFloats(3000);

describe('FLOAT round trip (the single-precision value, widened exactly)', () => {
  const source = useMysqlDatabase(async (db) => {
    await db.conn.query('CREATE TABLE f (id int PRIMARY KEY, x float)');
    for (let i = 0; i < FLOATS.length; i += 500) {
      const rows = FLOATS.slice(i, i + 500).map((v, k) => [i + k + 1, v]);
      await db.conn.query('INSERT INTO f (id, x) VALUES ?', [rows]);
    }
  });
  const target = usePgDatabase(async (db) => {
    await db.client.query('CREATE TABLE f (id int PRIMARY KEY, x float8)');
  });

  it('lands every FLOAT as the exact double of its stored value (mysql2 would round some)', async () => {
    const res = await cli(['run', '--mysql-url', source.url, '--pg-url', target.url], { cwd: tempDir() });
    expect(res.code, res.all).toBe(ExitCode.ok);
    const rows = await target.query<{ id: number; x: string }>(
      "SELECT id, encode(float8send(x), 'hex') AS x FROM f ORDER BY id",
    );
    expect(rows).toHaveLength(FLOATS.length);
    const wrong = rows
      .filter((r) => r.x !== bitsOf(FLOATS[r.id - 1] as number))
      .map((r) => `id ${r.id}: FLOAT ${FLOATS[r.id - 1]} (${bitsOf(FLOATS[r.id - 1] as number)}) → ${r.x}`);
    expect(wrong.slice(0, 10)).toEqual([]);
  });
});
