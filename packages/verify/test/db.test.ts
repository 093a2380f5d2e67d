import { usePgDatabase } from '@conv/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgRows } from '../src/db.js';

const db = usePgDatabase();
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

describe('pgRows', () => {
  it('streams every row in batches and leaves no transaction open', async () => {
    let n = 0;
    for await (const _ of pgRows(client, 'SELECT generate_series(1, 25)', [], 10)) n++;
    expect(n).toBe(25);
    const res = await client.query(
      'SELECT txid_current_if_assigned() IS NULL AS none, current_setting($1) AS ro',
      ['transaction_read_only'],
    );
    expect(res.rows[0]).toEqual({ none: true, ro: 'off' });
  });

  it('closes its read-only transaction when the consumer stops early', async () => {
    for await (const row of pgRows(client, 'SELECT generate_series(1, 100)', [], 10)) {
      if (Number(row[0]) === 3) break;
    }
    // Still inside the cursor's READ ONLY transaction, this would be 'on' and a write would fail.
    const res = await client.query('SELECT current_setting($1) AS ro', ['transaction_read_only']);
    expect(res.rows[0]?.ro).toBe('off');
    await client.query('CREATE TEMP TABLE after_break (x int)');
  });
});
