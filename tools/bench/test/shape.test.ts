// The benchmark itself never runs in `pnpm test`; this checks only the synthetic database's proportions.
import { describe, expect, it } from 'vitest';
import { shapeFor } from '../src/generate.js';

describe('shapeFor', () => {
  it('splits a size into ~60% 3 KB documents, ~30% narrow events, ~10% tricky rows', () => {
    const s = shapeFor(1000);
    expect(s.documents * 3200).toBeCloseTo(600 * 1024 * 1024, -6);
    expect(s.events).toBeGreaterThan(3_000_000); // "millions of rows"
    expect(s.tricky).toBeGreaterThan(90_000);
  });

  it('can keep only one table (flat-memory runs)', () => {
    expect(shapeFor(50, 'documents')).toEqual({ documents: shapeFor(50).documents, events: 0, tricky: 0 });
  });
});
