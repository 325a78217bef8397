import { describe, expect, it } from 'vitest';
import { MAX_PARTS, MIN_PART_SIZE, partRange, planParts } from './plan.ts';

const MiB = 1024 * 1024;

describe('planParts', () => {
  it('keeps small files in one part and splits as ceil(fileSize / parts)', () => {
    expect(planParts(1)).toEqual({ fileSize: 1, parts: 1, partSize: 1 });
    expect(planParts(15 * MiB)).toEqual({ fileSize: 15 * MiB, parts: 1, partSize: 15 * MiB });
    expect(planParts(30_000_000, 5 * MiB)).toEqual({ fileSize: 30_000_000, parts: 5, partSize: 6_000_000 });
  });

  it('never makes a part but the last smaller than 5 MiB, nor more than 10,000 parts', () => {
    for (const size of [5 * MiB + 1, 10 * MiB - 1, 10 * MiB, 123_456_789, 60 * 1024 ** 4]) {
      const plan = planParts(size, 1);
      expect(plan.parts).toBeLessThanOrEqual(MAX_PARTS);
      if (plan.parts > 1) expect(plan.partSize).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      const last = partRange(plan, plan.parts);
      expect(last.end).toBe(size);
      expect(last.end - last.start).toBeGreaterThan(0);
    }
  });
});
