import { describe, expect, it } from 'vitest';
import { MIN_PART_BYTES, maxPartSize, partProblems, plannedSize, planParts, planProblem } from './part-plan.ts';

const MiB = 1024 * 1024;

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
