import { describe, expect, it } from 'vitest';
import { Bounds, coordinateWords, DistinctRows, DistinctTuples, roundSize } from './model-properties.ts';

const addPosition = (tuples: DistinctTuples, x: number, y: number, z: number) => tuples.setFloat(0, x).setFloat(1, y).setFloat(2, z).add();

describe('DistinctTuples', () => {
  it('counts each tuple once, treating −0 and +0 as one', () => {
    const positions = new DistinctTuples(3);
    addPosition(positions, 0, 0, 0);
    addPosition(positions, -0, 0, -0);
    addPosition(positions, 1, 2, 3);
    addPosition(positions, 1, 2, 3);
    addPosition(positions, 3, 2, 1);
    expect(positions.count).toBe(3);
  });

  it('tells tuples apart by every word: a position with two normals is two vertices', () => {
    const corners = new DistinctTuples(4);
    corners.setInt(0, 7).setFloat(1, 1).setFloat(2, 0).setFloat(3, 0).add();
    corners.setInt(0, 7).setFloat(1, 0).setFloat(2, 1).setFloat(3, 0).add();
    corners.setInt(0, 7).setFloat(1, 1).setFloat(2, 0).setFloat(3, 0).add();
    corners.setInt(0, 8).setFloat(1, 1).setFloat(2, 0).setFloat(3, 0).add();
    expect(corners.count).toBe(3);
  });

  it('stays exact past many rehashes', () => {
    const positions = new DistinctTuples(3);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 50_000; i++) addPosition(positions, i % 100, Math.floor(i / 100), 0.5);
    }
    expect(positions.count).toBe(50_000);
  });
});

describe('DistinctRows', () => {
  it("counts rows of the caller's arrays by content across columns, −0 and +0 as one", () => {
    const positions = new Float32Array([0, 0, 0, -0, 0, 0, 1, 2, 3, 1, 2, 3]);
    const normals = new Float32Array([0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, -1]);
    const rows = new DistinctRows([
      { words: coordinateWords(positions), width: 3 },
      { words: coordinateWords(normals), width: 3 },
    ]);
    for (let row = 0; row < 4; row++) rows.add(row);
    rows.add(0);
    expect(rows.count).toBe(3);
  });

  it('stays exact past many rehashes', () => {
    const grid = new Float32Array(Array.from({ length: 100_000 }, (_, i) => [i % 100, Math.floor(i / 100) % 1000, 0.5]).flat());
    const rows = new DistinctRows([{ words: coordinateWords(grid), width: 3 }]);
    for (let row = 0; row < 100_000; row++) rows.add(row);
    expect(rows.count).toBe(100_000);
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
