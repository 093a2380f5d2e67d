import { ConvError, ExitCode, type MigrationPlan } from '@conv/core';
import { useMysqlDatabase, usePgDatabase } from '@conv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatVerifyReport, type VerifyOptions, verifyExitCode, verifyMigration } from '../src/index.js';
import { COUNTER_ROWS, createBothSides, ITEM_IDS, LINKS } from './data.js';

const my = useMysqlDatabase();
const pg = usePgDatabase();
let plan: MigrationPlan;

beforeAll(async () => {
  plan = await createBothSides(my, pg);
});

const verify = (options: Partial<VerifyOptions> = {}) =>
  verifyMigration({ mysqlUrl: my.url, pgUrl: pg.url, plan, chunkRows: 100, ...options });

/** Applies a change in PostgreSQL, runs `fn`, and puts the value back. */
async function withPgChange(change: string, undo: string, params: unknown[], fn: () => Promise<void>) {
  await pg.query(change, params);
  try {
    await fn();
  } finally {
    await pg.query(undo, params);
  }
}

describe('verifyMigration on equal data', () => {
  it('reports every table equal: counts and checksums, with range and bucket chunks', async () => {
    const report = await verify();
    expect(report.tables.map((t) => t.table).sort()).toEqual(['counter', 'item', 'link']);
    for (const t of report.tables) {
      expect(t, t.table).toMatchObject({ countMatch: true, checksumMatch: true, mismatches: [] });
    }
    const byName = Object.fromEntries(report.tables.map((t) => [t.table, t]));
    expect(byName['counter']).toMatchObject({ sourceRows: COUNTER_ROWS, targetRows: COUNTER_ROWS });
    expect(byName['counter']?.chunks).toMatchObject({
      chunking: 'range',
      total: 25,
      checked: 25,
      mismatched: 0,
    });
    expect(byName['item']?.chunks.chunking).toBe('range');
    expect(byName['link']?.chunks).toMatchObject({ chunking: 'bucket', total: 3 });
    expect(report.ok).toBe(true);
    expect(verifyExitCode(report)).toBe(0);
    expect(formatVerifyReport(report)).toContain('everything matches');
  });

  it('hashing rows in Node gives the same verdict as hashing in SQL', async () => {
    const report = await verify({ hashIn: 'node' });
    expect(report.hashIn).toBe('node');
    expect(report.ok).toBe(true);
  });
});

describe('one value changed in PostgreSQL', () => {
  const itemKey = (i: number) => ({ id: ITEM_IDS[i]! });

  it.each([
    [
      'a character in a text',
      "UPDATE item SET note = overlay(note placing 'X' from 3 for 1) WHERE id = $1",
      'note',
    ],
    [
      'a microsecond in a timestamp',
      "UPDATE item SET created = created + interval '1 microsecond' WHERE id = $1",
      'created',
    ],
    ['a byte in a bytea', 'UPDATE item SET data = set_byte(data, 2, 3) WHERE id = $1', 'data'],
  ])('%s: verify names exactly that table, row key and column', async (_what, change, column) => {
    const before = await pg.query('SELECT note, created::text AS created, data FROM item WHERE id = $1', [
      ITEM_IDS[0],
    ]);
    await pg.query(change, [ITEM_IDS[0]]);
    try {
      for (const hashIn of ['sql', 'node'] as const) {
        const report = await verify({ hashIn });
        expect(report.ok).toBe(false);
        expect(verifyExitCode(report)).toBe(4);
        const bad = report.tables.filter((t) => t.checksumMatch !== true || !t.countMatch);
        expect(bad.map((t) => t.table)).toEqual(['item']);
        expect(bad[0]).toMatchObject({ countMatch: true, checksumMatch: false });
        expect(bad[0]?.mismatches).toEqual([{ key: itemKey(0), columns: [column], kind: 'differs' }]);
        const text = formatVerifyReport(report);
        expect(text).toContain(`id=${ITEM_IDS[0]}: columns ${column} differ`);
      }
    } finally {
      const b = before[0]!;
      await pg.query('UPDATE item SET note = $2, created = $3, data = $4 WHERE id = $1', [
        ITEM_IDS[0],
        b['note'],
        b['created'],
        b['data'],
      ]);
    }
    expect((await verify()).ok).toBe(true);
  });

  // One value changed by the smallest step its type allows, in every column type the fixture has: the
  // row hash (SHA-256 of the row text) must change whichever column it is, in SQL and in Node hashing.
  it.each([
    ['varchar', 'item', 'name', "name = 'plaiN'", "name = 'plain'", { id: ITEM_IDS[0] }],
    ['boolean', 'item', 'flag', 'flag = NOT flag', 'flag = NOT flag', { id: ITEM_IDS[0] }],
    ['numeric, one cent', 'item', 'price', 'price = 12.51', 'price = 12.50', { id: ITEM_IDS[0] }],
    ['date, one day', 'item', 'day', "day = '2024-03-01'", "day = '2024-02-29'", { id: ITEM_IDS[0] }],
    [
      'timestamptz, one microsecond',
      'item',
      'updated',
      "updated = updated + interval '1 microsecond'",
      "updated = updated - interval '1 microsecond'",
      { id: ITEM_IDS[0] },
    ],
    [
      'uuid, one hex digit',
      'item',
      'ref',
      `ref = '${ITEM_IDS[2]!.replace(/^a/, 'b')}'`,
      `ref = '${ITEM_IDS[2]}'`,
      { id: ITEM_IDS[3] },
    ],
    ['time, one microsecond', 'counter', 't', "t = '00:00:01.000002'", "t = '00:00:01.000001'", { id: '1' }],
    // π and the next double up: one bit of the mantissa.
    [
      'double, one ulp',
      'counter',
      'amount',
      'amount = 3.1415926535897936',
      'amount = 3.141592653589793',
      { id: '3' },
    ],
    ['text in a hash bucket', 'link', 'v', "v = 'value 3'", "v = 'value 2'", { a: '2', b: 'key-2-éé' }],
  ])('%s: exactly that value is found', async (_what, table, column, change, undo, key) => {
    const where = Object.keys(key)
      .map((k, i) => `${k} = $${i + 1}`)
      .join(' AND ');
    await withPgChange(
      `UPDATE ${table} SET ${change} WHERE ${where}`,
      `UPDATE ${table} SET ${undo} WHERE ${where}`,
      Object.values(key),
      async () => {
        for (const hashIn of ['sql', 'node'] as const) {
          const report = await verify({ hashIn });
          const bad = report.tables.filter((t) => t.checksumMatch !== true || !t.countMatch);
          expect(
            bad.map((t) => t.table),
            hashIn,
          ).toEqual([table]);
          expect(bad[0]!.mismatches, hashIn).toEqual([{ key, columns: [column], kind: 'differs' }]);
        }
      },
    );
    expect((await verify()).ok).toBe(true);
  });

  it('a changed jsonb value is found; reordered keys and whitespace are not differences', async () => {
    await withPgChange(
      `UPDATE item SET settings = jsonb_set(settings, '{zeta}', '2') WHERE id = $1`,
      `UPDATE item SET settings = jsonb_set(settings, '{zeta}', '1') WHERE id = $1`,
      [ITEM_IDS[0]],
      async () => {
        const t = (await verify()).tables.find((x) => x.table === 'item')!;
        expect(t.mismatches).toEqual([{ key: { id: ITEM_IDS[0] }, columns: ['settings'], kind: 'differs' }]);
      },
    );
  });

  it("NULL and '' are different values", async () => {
    // MySQL has '' for item 1's name and NULL for item 2's: swap them in PostgreSQL.
    await pg.query('UPDATE item SET name = CASE WHEN id = $1 THEN NULL ELSE $3 END WHERE id IN ($1, $2)', [
      ITEM_IDS[1],
      ITEM_IDS[2],
      '',
    ]);
    try {
      const t = (await verify()).tables.find((x) => x.table === 'item')!;
      expect(t.mismatches).toEqual([
        { key: { id: ITEM_IDS[1] }, columns: ['name'], kind: 'differs' },
        { key: { id: ITEM_IDS[2] }, columns: ['name'], kind: 'differs' },
      ]);
    } finally {
      await pg.query('UPDATE item SET name = CASE WHEN id = $1 THEN $3 ELSE NULL END WHERE id IN ($1, $2)', [
        ITEM_IDS[1],
        ITEM_IDS[2],
        '',
      ]);
    }
  });

  it("a source '' bound for uuid is NULL, not a difference; a real uuid change is", async () => {
    // Item 0 has ref '' in MySQL and NULL in PostgreSQL: equal under the value rules (first test).
    await withPgChange(
      'UPDATE item SET ref = $2 WHERE id = $1',
      'UPDATE item SET ref = NULL WHERE id = $1 AND $2::uuid IS NOT NULL',
      [ITEM_IDS[0], ITEM_IDS[3]],
      async () => {
        const t = (await verify()).tables.find((x) => x.table === 'item')!;
        expect(t.mismatches).toEqual([{ key: { id: ITEM_IDS[0] }, columns: ['ref'], kind: 'differs' }]);
      },
    );
  });

  it('composite keys (hash buckets): a missing row, an extra row and a changed value are named', async () => {
    const victim = LINKS[42]!;
    const changed = LINKS[7]!;
    await pg.query('DELETE FROM link WHERE a = $1 AND b = $2', [victim.a, victim.b]);
    await pg.query("INSERT INTO link VALUES (99, 'extra', 'x')");
    await pg.query("UPDATE link SET v = 'changed' WHERE a = $1 AND b = $2", [changed.a, changed.b]);
    try {
      const report = await verify();
      const t = report.tables.find((x) => x.table === 'link')!;
      expect(t).toMatchObject({ sourceRows: 300, targetRows: 300, countMatch: true, checksumMatch: false });
      const sorted = [...t.mismatches].sort((x, y) => x.kind.localeCompare(y.kind));
      expect(sorted).toEqual([
        { key: { a: String(changed.a), b: changed.b }, columns: ['v'], kind: 'differs' },
        { key: { a: '99', b: 'extra' }, columns: [], kind: 'extra-in-target' },
        { key: { a: String(victim.a), b: victim.b }, columns: [], kind: 'missing-in-target' },
      ]);
      expect(report.tables.filter((x) => x.table !== 'link').every((x) => x.checksumMatch)).toBe(true);
    } finally {
      await pg.query('DELETE FROM link WHERE a = 99');
      await pg.query('INSERT INTO link VALUES ($1, $2, $3)', [victim.a, victim.b, victim.v]);
      await pg.query('UPDATE link SET v = $3 WHERE a = $1 AND b = $2', [changed.a, changed.b, changed.v]);
    }
  });
});

describe('modes', () => {
  it('counts only: exact counts, no checksums; a missing row shows as a count mismatch', async () => {
    const equal = await verify({ mode: 'counts' });
    expect(equal.ok).toBe(true);
    for (const t of equal.tables) expect(t.checksumMatch).toBeNull();
    const [row] = await my.query<{ label: string; t: string | null; amount: number | null }[]>(
      'SELECT label, CAST(t AS CHAR) AS t, amount FROM counter WHERE id = 1234',
    );
    await pg.query('DELETE FROM counter WHERE id = 1234');
    try {
      const report = await verify({ mode: 'counts' });
      const t = report.tables.find((x) => x.table === 'counter')!;
      expect(t).toMatchObject({ sourceRows: COUNTER_ROWS, targetRows: COUNTER_ROWS - 1, countMatch: false });
      expect(verifyExitCode(report)).toBe(4);
      expect(formatVerifyReport(report)).toContain(
        `${COUNTER_ROWS} rows in MySQL, ${COUNTER_ROWS - 1} in PostgreSQL`,
      );
      // Full mode narrows it down to the row.
      const full = (await verify({ tables: ['counter'] })).tables[0]!;
      expect(full.mismatches).toEqual([{ key: { id: '1234' }, columns: [], kind: 'missing-in-target' }]);
    } finally {
      await pg.query('INSERT INTO counter VALUES (1234, $1, $2, $3)', [row!.label, row!.t, row!.amount]);
    }
    expect((await verify({ tables: ['counter'] })).ok).toBe(true);
  });

  it('names a target row whose key lies above every source key (the last range is open-ended)', async () => {
    await withPgChange(
      "INSERT INTO counter (id, label) VALUES ($1, 'beyond')",
      'DELETE FROM counter WHERE id = $1',
      [COUNTER_ROWS + 1000],
      async () => {
        const t = (await verify({ tables: ['counter'] })).tables[0]!;
        expect(t.mismatches).toEqual([
          { key: { id: String(COUNTER_ROWS + 1000) }, columns: [], kind: 'extra-in-target' },
        ]);
      },
    );
  });

  it('sample: checks only N% of the chunks, and finds a difference in a checked chunk', async () => {
    const report = await verify({ mode: 'sample', samplePercent: 10, tables: ['counter'] });
    const t = report.tables[0]!;
    expect(t.chunks).toMatchObject({ total: 25, checked: 3 });
    expect(t.checksumMatch).toBe(true);
    // Change every row: whatever chunks are sampled, each one differs.
    await withPgChange(
      'UPDATE counter SET label = label || $1',
      'UPDATE counter SET label = rtrim(label, $1)',
      ['!'],
      async () => {
        const bad = (
          await verify({ mode: 'sample', samplePercent: 10, tables: ['counter'], maxMismatches: 5 })
        ).tables[0]!;
        expect(bad).toMatchObject({ countMatch: true, checksumMatch: false, mismatchesTruncated: true });
        expect(bad.chunks).toMatchObject({ checked: 3, mismatched: 3 });
        expect(bad.mismatches).toHaveLength(5);
        for (const m of bad.mismatches) expect(m.columns).toEqual(['label']);
      },
    );
  });

  it('an unreachable PostgreSQL is a connection error (exit code 5) that shows no password', async () => {
    const err = await verify({ pgUrl: 'postgres://postgres:s3cret-pw@127.0.0.1:1/none' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConvError);
    expect((err as ConvError).exitCode).toBe(ExitCode.connection);
    expect((err as ConvError).message).not.toContain('s3cret-pw');
  });

  it('unknown table names are a usage error', async () => {
    await expect(verify({ tables: ['nope'] })).rejects.toThrow(/not a loaded table of the plan: nope/);
  });
});

describe('overlapped with a load (ready)', () => {
  it('summarises the MySQL side first, reads each target table only once it is ready', async () => {
    // The target of `item` is emptied and filled again only when verify says it waits for it: had
    // verify read PostgreSQL before `ready` resolved, it would have counted 0 rows.
    await pg.query('CREATE TABLE item_saved AS SELECT * FROM item');
    await pg.query('DELETE FROM item');
    const waitedFor: string[] = [];
    try {
      const report = await verify({
        ready: async (table) => {
          waitedFor.push(table.source);
          if (table.source === 'item') await pg.query('INSERT INTO item SELECT * FROM item_saved');
        },
      });
      expect(waitedFor.sort()).toEqual(['counter', 'item', 'link']);
      expect(report.ok).toBe(true);
      expect(report.tables.find((t) => t.table === 'item')).toMatchObject({
        countMatch: true,
        checksumMatch: true,
      });
    } finally {
      await pg.query('DELETE FROM item');
      await pg.query('INSERT INTO item SELECT * FROM item_saved');
      await pg.query('DROP TABLE item_saved');
    }
  });

  it('a load that fails (ready rejects) stops verify with that error', async () => {
    const failed = new ConvError('the load was rolled back', {
      code: 'import.failed',
      exit: ExitCode.loadFailed,
    });
    await expect(
      verify({ ready: (t) => (t.source === 'link' ? Promise.reject(failed) : Promise.resolve()) }),
    ).rejects.toBe(failed);
  });

  it('a target with many more rows than the source is still narrowed to small hash buckets', async () => {
    // Buckets are sized from the MySQL count before the target is read; 500 extra target rows make the
    // target the larger side, and the rows that differ must still be named (not one giant bucket).
    await pg.query("INSERT INTO link SELECT 1000 + g, 'extra', 'x' FROM generate_series(1, 500) g");
    try {
      const report = await verify({ maxMismatches: 5 });
      const t = report.tables.find((x) => x.table === 'link')!;
      expect(t).toMatchObject({ sourceRows: 300, targetRows: 800, countMatch: false, checksumMatch: false });
      expect(t.chunks.total).toBe(8);
      expect(t.mismatches).toHaveLength(5);
      expect(t.mismatches.every((m) => m.kind === 'extra-in-target')).toBe(true);
    } finally {
      await pg.query('DELETE FROM link WHERE a > 1000');
    }
  });
});
