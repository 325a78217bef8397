import { describe, expect, it } from 'vitest';
import {
  choosePartPlan,
  MAX_PARTS,
  MIN_PART_BYTES,
  MiB,
  maxPartSize,
  partProblems,
  partRange,
  plannedSize,
  planParts,
  planProblem,
} from './part-plan.ts';

describe('part plans', () => {
  it('splits as the spec example does: ceil(fileSize / parts)', () => {
    const plan = planParts(100 * MiB + 3, 4);
    expect(plan.partSize).toBe(25 * MiB + 1);
    expect([1, 2, 3, 4].map((n) => plannedSize(plan, n))).toEqual([25 * MiB + 1, 25 * MiB + 1, 25 * MiB + 1, 25 * MiB]);
  });

  it('accepts one part of any size, and refuses splits with parts under 5 MiB', () => {
    expect(planProblem(1, 1)).toBeUndefined();
    expect(planProblem(8 * MiB, 1)).toBeUndefined();
    expect(planProblem(5 * MiB + 1, 2)).toBeUndefined();
    expect(planProblem(5 * MiB, 2)).toMatch(/use at most 1 part$/);
    expect(planProblem(12 * MiB, 4)).toMatch(/use at most 3 parts/);
  });

  it('bounds a part by what the others need at least', () => {
    const plan = planParts(20 * MiB, 3);
    expect(maxPartSize(plan, 1)).toBe(20 * MiB - MIN_PART_BYTES - 1);
    expect(maxPartSize(plan, 3)).toBe(20 * MiB - 2 * MIN_PART_BYTES);
    expect(maxPartSize(planParts(10, 1), 1)).toBe(10);
  });

  it('names missing parts, small parts and a wrong total', () => {
    const plan = planParts(12 * MiB, 2);
    expect(partProblems(plan, [{ number: 1, size: 6 * MiB, etag: 'a' }])).toEqual(['missing part 2: upload it before completing']);
    expect(
      partProblems(plan, [
        { number: 1, size: 4 * MiB, etag: 'a' },
        { number: 2, size: 8 * MiB, etag: 'b' },
      ]),
    ).toEqual([`part 1 has ${4 * MiB} bytes: every part but the last needs at least 5 MiB (${MIN_PART_BYTES} bytes)`]);
    expect(
      partProblems(plan, [
        { number: 1, size: 6 * MiB, etag: 'a' },
        { number: 2, size: 5 * MiB, etag: 'b' },
      ])[0],
    ).toMatch(/add up to 11534336 bytes, but fileSize is 12582912/);
    expect(
      partProblems(plan, [
        { number: 1, size: 6 * MiB, etag: 'a' },
        { number: 2, size: 6 * MiB, etag: 'b' },
      ]),
    ).toEqual([]);
  });
});

describe('choosePartPlan', () => {
  it('keeps small files in one part and splits as ceil(fileSize / parts)', () => {
    expect(choosePartPlan(1)).toEqual({ fileSize: 1, partsCount: 1, partSize: 1 });
    expect(choosePartPlan(15 * MiB)).toEqual({ fileSize: 15 * MiB, partsCount: 1, partSize: 15 * MiB });
    expect(choosePartPlan(30_000_000, 5 * MiB)).toEqual({ fileSize: 30_000_000, partsCount: 5, partSize: 6_000_000 });
  });

  it('never makes a part but the last smaller than 5 MiB, nor more than 10,000 parts', () => {
    for (const size of [5 * MiB + 1, 10 * MiB - 1, 10 * MiB, 123_456_789, 60 * 1024 ** 4]) {
      const plan = choosePartPlan(size, 1);
      expect(plan.partsCount).toBeLessThanOrEqual(MAX_PARTS);
      if (plan.partsCount > 1) expect(plan.partSize).toBeGreaterThanOrEqual(MIN_PART_BYTES);
      const last = partRange(plan, plan.partsCount);
      expect(last.end).toBe(size);
      expect(last.end - last.start).toBeGreaterThan(0);
    }
  });
});
