import { describe, expect, it } from 'vitest';
import { Bounds, DistinctPositions, roundSize } from './model-properties.ts';

describe('DistinctPositions', () => {
  it('counts each position once, treating −0 and +0 as one', () => {
    const positions = new DistinctPositions();
    positions.add(0, 0, 0);
    positions.add(-0, 0, -0);
    positions.add(1, 2, 3);
    positions.add(1, 2, 3);
    positions.add(3, 2, 1);
    expect(positions.count).toBe(3);
  });

  it('stays exact past many rehashes', () => {
    const positions = new DistinctPositions();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 50_000; i++) positions.add(i % 100, Math.floor(i / 100), 0.5);
    }
    expect(positions.count).toBe(50_000);
  });
});

describe('Bounds', () => {
  it('sizes the box of the points added, and has no size without points', () => {
    const bounds = new Bounds();
    expect(bounds.size()).toBeUndefined();
    bounds.add(-1, 0.25, 3);
    bounds.add(1, -0.25, 3);
    expect(bounds.size()).toEqual([2, 0.5, 0]);
  });

  it('rounds away single-precision noise', () => {
    expect(roundSize(1.9999999403953552)).toBe(2);
    expect(roundSize(0.30000001192092896)).toBe(0.3);
  });
});
