import { describe, expect, it } from 'vitest';
import { breachOf, effectiveLimits, type ProjectUsage, quotaExceeded } from './quota.ts';

const usage = (limits: ProjectUsage['limits'], used: Partial<ProjectUsage> = {}): ProjectUsage => ({
  projectId: 'proj_x',
  bytes: 0,
  assets: 0,
  reservedBytes: 0,
  reservedAssets: 0,
  limits,
  ...used,
});

describe('quotas', () => {
  it("takes the project's own limit where it has one, the default otherwise", () => {
    expect(effectiveLimits({ maxBytes: 100, maxAssets: 5 }, undefined)).toEqual({ maxBytes: 100, maxAssets: 5 });
    expect(effectiveLimits({ maxBytes: 100, maxAssets: 5 }, { maxBytes: 1000, maxAssets: null })).toEqual({ maxBytes: 1000, maxAssets: 5 });
    expect(effectiveLimits({ maxBytes: null, maxAssets: null }, { maxBytes: 0, maxAssets: null })).toEqual({
      maxBytes: 0,
      maxAssets: null,
    });
  });

  it('counts reservations with what is stored, and lets an exact fit through', () => {
    const limits = { maxBytes: 100, maxAssets: 3 };
    expect(breachOf(usage(limits, { bytes: 60, reservedBytes: 30 }), 10, 1)).toBeUndefined();
    expect(breachOf(usage(limits, { bytes: 60, reservedBytes: 30 }), 11, 1)).toEqual({
      quota: 'bytes',
      limit: 100,
      used: 60,
      reserved: 30,
      requested: 11,
    });
    expect(breachOf(usage(limits, { assets: 2, reservedAssets: 1 }), 0, 1)).toMatchObject({ quota: 'assets', used: 2, reserved: 1 });
    // Adding nothing never breaches, even a project already over a lowered limit.
    expect(breachOf(usage({ maxBytes: 10, maxAssets: 1 }, { bytes: 50, assets: 4 }), 0, 0)).toBeUndefined();
    expect(breachOf(usage({ maxBytes: null, maxAssets: null }, { bytes: 1e15 }), 1e15, 1)).toBeUndefined();
  });

  it('says which quota, the usage, the limit and what to do', () => {
    const error = quotaExceeded({ quota: 'bytes', limit: 100, used: 60, reserved: 30, requested: 11 });
    expect(error.status).toBe(413);
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.message).toContain('storage quota is 100 bytes; it stores 60 bytes (and 30 more are reserved');
    expect(error.message).toContain('assetd projects set-quota');
  });
});
