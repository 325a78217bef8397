export { buildApp } from './app.ts';
export { ensureStartupKey } from './auth/bootstrap.ts';
export type { CreatedKey, KeyInfo } from './auth/keys.ts';
export { KeyService } from './auth/keys.ts';
export { type Config, ConfigError, loadConfig } from './config.ts';
export { type Container, createContainer } from './container.ts';
export { migrate, openDatabase } from './db/database.ts';
export { type FsckOptions, type FsckReport, type FsckResult, fsck } from './fsck.ts';
export { serve, work } from './main.ts';
export {
  type BackfillFailure,
  type BackfillOptions,
  type BackfillProgress,
  type BackfillResult,
  backfillPreviews,
} from './previews-backfill.ts';
export type { ProjectUsage, QuotaOverride } from './quotas/quota.ts';
export { QuotaService } from './quotas/quota-service.ts';
