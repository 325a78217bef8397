import { loadConfig } from './config.ts';
import { createContainer } from './container.ts';
import type { FsckReport } from './files/collector.ts';

export type { FsckReport } from './files/collector.ts';

export interface FsckOptions {
  /** Repair what is found (delete bytes without rows past the grace period, fix rows without bytes). */
  readonly fix?: boolean;
  /** Overrides ASSETD_COLLECT_GRACE_SECONDS: bytes younger than this are reported but kept. */
  readonly graceSeconds?: number;
}

export interface FsckResult {
  readonly report: FsckReport;
  /** With `fix`: what was deleted (objects, multipart uploads) and repaired (rows). */
  readonly fixed?: { readonly deleted: number; readonly repaired: number };
}

/**
 * `assetd fsck`: compares the database with storage (local disk or S3, as configured) and
 * reports rows without bytes and bytes without rows; with `fix`, repairs them. Runs beside a
 * live deployment: it never deletes bytes younger than the grace period.
 */
export async function fsck(env: Record<string, string | undefined>, options: FsckOptions = {}): Promise<FsckResult> {
  const config = loadConfig(
    options.graceSeconds === undefined ? env : { ...env, ASSETD_COLLECT_GRACE_SECONDS: String(options.graceSeconds) },
  );
  const container = await createContainer({ ...config, logLevel: 'silent' });
  try {
    const report = await container.collector.check();
    if (!options.fix) return { report };
    const fixed = await container.collector.repair(report, container.assets);
    return { report, fixed };
  } finally {
    await container.close();
  }
}
