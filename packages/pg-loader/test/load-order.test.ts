import { readFileSync } from 'node:fs';
import { ConvError, hashJson, loadOrder } from '@conv/core';
import { usePgDatabase } from '@conv/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../src/index.js';
import { removeDir, type TableSpec, writeExport, writeManifestFor } from './helpers.js';

// A cycle cyc_a ↔ cyc_b, and a_child downstream of it: the plan breaks the cycle at one table and loads
// a_child after cyc_a. The loader used to run its own algorithm, which marked everything downstream of a
// cycle as cyclic and loaded it in manifest order (a_child first).
const SCHEMA = `
  CREATE TABLE cyc_a (id int PRIMARY KEY, b_id int);
  CREATE TABLE cyc_b (id int PRIMARY KEY, a_id int REFERENCES cyc_a (id));
  ALTER TABLE cyc_a ADD FOREIGN KEY (b_id) REFERENCES cyc_b (id);
  CREATE TABLE a_child (id int PRIMARY KEY, a_id int REFERENCES cyc_a (id));
  CREATE TABLE late_child (id int PRIMARY KEY, parent_id int);
  CREATE TABLE late_parent (id int PRIMARY KEY);
`;

const CYCLE: TableSpec[] = [
  { table: 'a_child', columns: ['id', 'a_id'], rows: [['1', '1']] },
  { table: 'cyc_a', columns: ['id', 'b_id'], rows: [['1', '1']] },
  { table: 'cyc_b', columns: ['id', 'a_id'], rows: [['1', '1']] },
];
const PARENTS: Record<string, string[]> = { a_child: ['cyc_a'], cyc_a: ['cyc_b'], cyc_b: ['cyc_a'] };

const db = usePgDatabase(async (d) => {
  await d.query(SCHEMA);
});
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** An export whose manifest carries `order` as the plan's load order (as planMigration writes it). */
function exportWithOrder(specs: TableSpec[], order: string[]): string {
  const dir = writeExport(specs);
  dirs.push(dir);
  writeManifestFor(dir, specs, (m) => {
    m.plan.loadOrder = order;
    m.planHash = hashJson(m.plan);
  });
  return dir;
}

describe('the load order is the plan’s', () => {
  // What planMigration computes for these tables (it calls the same function on the target catalog).
  const planned = loadOrder(['a_child', 'cyc_a', 'cyc_b'], (t) => PARENTS[t] ?? []);

  it('loads a table downstream of an FK cycle in the plan’s order, not in manifest order', async () => {
    expect(planned.order).toEqual(['cyc_a', 'a_child', 'cyc_b']);
    expect(planned.brokenEdges).toEqual([['cyc_a', 'cyc_b']]);
    const dir = exportWithOrder(CYCLE, planned.order);
    const result = await importDirectory({ pgUrl: db.url, dir });
    expect(result.strategy).toBe('replica');
    expect(result.loaded.map((t) => t.table)).toEqual(planned.order);
    expect(readFileSync(result.logFile, 'utf8')).not.toContain('differs from the plan');
  });

  it('ordered names only the table the plan loads before its parent, not the tables downstream', async () => {
    const dir = exportWithOrder(CYCLE, planned.order);
    const err = await importDirectory({ pgUrl: db.url, dir, fkStrategy: 'ordered', replace: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConvError);
    expect((err as ConvError).code).toBe('import.fk-strategy-unavailable');
    expect((err as ConvError).message).toContain('ordered cannot load cyc_a (');
    expect((err as ConvError).message).not.toContain('a_child');
  });

  it('a key the live target added since the plan reorders the load, and the log says so', async () => {
    const specs: TableSpec[] = [
      { table: 'late_child', columns: ['id', 'parent_id'], rows: [['1', '7']] },
      { table: 'late_parent', columns: ['id'], rows: [['7']] },
    ];
    // Planned while the two tables were unrelated: by name.
    const dir = exportWithOrder(specs, ['late_child', 'late_parent']);
    await db.query('ALTER TABLE late_child ADD FOREIGN KEY (parent_id) REFERENCES late_parent (id)');
    const result = await importDirectory({ pgUrl: db.url, dir, fkStrategy: 'ordered' });
    expect(result.loaded.map((t) => t.table)).toEqual(['late_parent', 'late_child']);
    expect(readFileSync(result.logFile, 'utf8')).toContain(
      "load order differs from the plan: the plan's load order would load late_child before its parent late_parent",
    );
  });
});
