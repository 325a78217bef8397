/** The spec's limits: every part but the last has at least 5 MiB, and there are at most 10,000 parts. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export interface PartPlan {
  readonly fileSize: number;
  readonly parts: number;
  /** Part n covers [(n-1) × partSize, min(n × partSize, fileSize)). */
  readonly partSize: number;
}

/**
 * Splits `fileSize` into parts of about `wanted` bytes, within the spec's limits. The split is
 * spec 000's own (`ceil(fileSize / parts)` per part), the one the server writes in place
 * without a join; rounding the count down keeps every part at least `wanted` ≥ 5 MiB.
 */
export function planParts(fileSize: number, wanted = DEFAULT_PART_SIZE): PartPlan {
  const target = Math.max(MIN_PART_SIZE, wanted);
  const parts = Math.min(MAX_PARTS, Math.max(1, Math.floor(fileSize / target)));
  return { fileSize, parts, partSize: Math.ceil(fileSize / parts) };
}

/** The plan of an upload already on the server (to resume it), from its size and part count. */
export function existingPlan(fileSize: number, parts: number): PartPlan {
  return { fileSize, parts, partSize: Math.ceil(fileSize / parts) };
}

export function partRange(plan: PartPlan, number: number): { start: number; end: number } {
  const start = (number - 1) * plan.partSize;
  return { start, end: Math.min(start + plan.partSize, plan.fileSize) };
}
