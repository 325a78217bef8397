/**
 * How a multipart upload's file is split into parts: the arithmetic the server checks parts
 * against and the SDK splits files with, in one place so the two can never disagree.
 */
export const MiB = 1024 * 1024;
/** Every part but the last must have at least this many bytes (spec 000, as S3). */
export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PARTS = 10_000;
/** The part size the SDK and the CLI aim for when the caller names none. */
export const DEFAULT_PART_BYTES = 8 * MiB;

export interface PartPlan {
  readonly fileSize: number;
  readonly partsCount: number;
  /** The split of spec 000's own example: part n starts at (n-1) × partSize. */
  readonly partSize: number;
}

/** Why no valid split of `fileSize` bytes into `parts` parts exists, or undefined when one does. */
export function planProblem(fileSize: number, parts: number): string | undefined {
  if (parts === 1) return undefined;
  const needed = (parts - 1) * MIN_PART_BYTES + 1;
  if (fileSize < needed) {
    const most = Math.max(1, Math.floor((fileSize - 1) / MIN_PART_BYTES) + 1);
    return `${fileSize} bytes cannot be split into ${parts} parts of at least 5 MiB each (but the last): use at most ${most} part${most === 1 ? '' : 's'}`;
  }
  return undefined;
}

export function planParts(fileSize: number, partsCount: number): PartPlan {
  return { fileSize, partsCount, partSize: Math.ceil(fileSize / partsCount) };
}

/**
 * Splits `fileSize` into parts of about `wanted` bytes, within the spec's limits. Rounding the
 * count down keeps every part but the last at least `wanted` ≥ 5 MiB.
 */
export function choosePartPlan(fileSize: number, wanted = DEFAULT_PART_BYTES): PartPlan {
  const target = Math.max(MIN_PART_BYTES, wanted);
  return planParts(fileSize, Math.min(MAX_PARTS, Math.max(1, Math.floor(fileSize / target))));
}

/** The bytes part n covers when the client splits as planned: [start, end). */
export function partRange(plan: PartPlan, partNumber: number): { start: number; end: number } {
  const start = (partNumber - 1) * plan.partSize;
  return { start, end: Math.min(start + plan.partSize, plan.fileSize) };
}

/** The size part n has when the client splits as planned. */
export function plannedSize(plan: PartPlan, partNumber: number): number {
  if (partNumber < plan.partsCount) return plan.partSize;
  return plan.fileSize - (plan.partsCount - 1) * plan.partSize;
}

/** The most bytes part n can hold in any valid split: the rest must still fit in the other parts. */
export function maxPartSize(plan: PartPlan, partNumber: number): number {
  if (plan.partsCount === 1) return plan.fileSize;
  const others = partNumber < plan.partsCount ? (plan.partsCount - 2) * MIN_PART_BYTES + 1 : (plan.partsCount - 1) * MIN_PART_BYTES;
  return plan.fileSize - others;
}

export interface ReceivedPart {
  readonly number: number;
  readonly size: number;
  readonly etag: string;
}

/** What keeps the received parts from making the file, in words a client can act on; empty when they do. */
export function partProblems(plan: PartPlan, parts: readonly ReceivedPart[]): string[] {
  const problems: string[] = [];
  const byNumber = new Map(parts.map((part) => [part.number, part]));
  const missing: number[] = [];
  for (let n = 1; n <= plan.partsCount; n++) if (!byNumber.has(n)) missing.push(n);
  if (missing.length > 0) {
    const shown = missing.length > 20 ? `${missing.slice(0, 20).join(', ')} and ${missing.length - 20} more` : missing.join(', ');
    problems.push(
      `missing part${missing.length === 1 ? '' : 's'} ${shown}: upload ${missing.length === 1 ? 'it' : 'them'} before completing`,
    );
  }
  for (const part of parts) {
    if (part.number < plan.partsCount && part.size < MIN_PART_BYTES) {
      problems.push(`part ${part.number} has ${part.size} bytes: every part but the last needs at least 5 MiB (${MIN_PART_BYTES} bytes)`);
    }
  }
  if (missing.length === 0) {
    const total = parts.reduce((sum, part) => sum + part.size, 0);
    if (total !== plan.fileSize) {
      problems.push(`the parts add up to ${total} bytes, but fileSize is ${plan.fileSize}: re-upload the parts that are wrong`);
    }
  }
  return problems;
}
