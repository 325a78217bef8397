import { AppError } from '../errors.ts';

/** A project's limits; null is unlimited. */
export interface QuotaLimits {
  readonly maxBytes: number | null;
  readonly maxAssets: number | null;
}

/** A project's own limits as stored; an absent one (null) takes the server's default. */
export type QuotaOverride = QuotaLimits;

/** What a project stores and what its unfinished uploads have claimed, against its limits. */
export interface ProjectUsage {
  readonly projectId: string;
  /** Each distinct original file of the project's assets, counted once. */
  readonly bytes: number;
  readonly assets: number;
  /** Declared sizes of unfinished uploads, held until they end or become assets. */
  readonly reservedBytes: number;
  /** Unfinished uploads, one asset each. */
  readonly reservedAssets: number;
  readonly limits: QuotaLimits;
}

/** Which limit a creation would pass, and by how much. */
export interface QuotaBreach {
  readonly quota: 'bytes' | 'assets';
  readonly limit: number;
  readonly used: number;
  readonly reserved: number;
  readonly requested: number;
}

/** The effective limits: the project's own where it has one, the server's default otherwise. */
export function effectiveLimits(defaults: QuotaLimits, override: Partial<QuotaOverride> | undefined): QuotaLimits {
  return {
    maxBytes: override?.maxBytes ?? defaults.maxBytes,
    maxAssets: override?.maxAssets ?? defaults.maxAssets,
  };
}

/** The first limit that `bytes` more bytes and `assets` more assets would pass, if any. */
export function breachOf(usage: ProjectUsage, bytes: number, assets: number): QuotaBreach | undefined {
  const { maxBytes, maxAssets } = usage.limits;
  if (maxAssets !== null && assets > 0 && usage.assets + usage.reservedAssets + assets > maxAssets) {
    return { quota: 'assets', limit: maxAssets, used: usage.assets, reserved: usage.reservedAssets, requested: assets };
  }
  if (maxBytes !== null && bytes > 0 && usage.bytes + usage.reservedBytes + bytes > maxBytes) {
    return { quota: 'bytes', limit: maxBytes, used: usage.bytes, reserved: usage.reservedBytes, requested: bytes };
  }
  return undefined;
}

/** A 413 that names the quota, the usage and the limit, and what the client can do about it. */
export function quotaExceeded(breach: QuotaBreach): AppError {
  const remedy =
    'delete assets or abort unfinished uploads (GET /v1/jobs?status=queued lists them) to make room, or ask the operator to raise the quota (assetd projects set-quota)';
  const message =
    breach.quota === 'assets'
      ? `The project's asset quota is ${breach.limit} assets and it has ${breach.used} (and ${breach.reserved} unfinished uploads): this upload would pass it; ${remedy}`
      : `The project's storage quota is ${breach.limit} bytes; it stores ${breach.used} bytes (and ${breach.reserved} more are reserved by unfinished uploads), so ${breach.requested} more bytes would pass it; ${remedy}`;
  return new AppError('QUOTA_EXCEEDED', message, { ...breach });
}
