import { describe, expect, it } from 'vitest';
import { Pool } from '../src/pool.js';

describe('Pool', () => {
  it('lends each item to one borrower at a time, waiters served first come first served', async () => {
    const pool = new Pool(['a']);
    const order: string[] = [];
    const first = await pool.acquire();
    const second = pool.acquire().then((c) => order.push(`second:${c}`));
    const third = pool.acquire().then((c) => order.push(`third:${c}`));
    pool.release(first);
    await second;
    expect(order).toEqual(['second:a']);
    pool.release('a');
    await third;
    expect(order).toEqual(['second:a', 'third:a']);
  });

  it('use() gives the item back when the body throws', async () => {
    const pool = new Pool([1]);
    await expect(
      pool.use(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // Were it not given back, this would wait forever (the test would time out).
    expect(await pool.use(async (n) => n + 1)).toBe(2);
  });
});
