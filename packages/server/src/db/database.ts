import { Kysely, type Migration, type MigrationProvider, Migrator, PostgresDialect, sql } from 'kysely';
import type { DatabaseLimits } from '../config.ts';
import * as initial from './migrations/001_initial.ts';
import * as uploadsAndJobs from './migrations/002_uploads_and_jobs.ts';
import * as videoFrames from './migrations/003_video_frames.ts';
import * as originalFileName from './migrations/004_original_file_name.ts';
import * as previews from './migrations/005_previews.ts';
import * as jobLeases from './migrations/006_job_leases.ts';
import * as uploadJobsAndGroups from './migrations/007_upload_jobs_and_groups.ts';
import * as jobProjects from './migrations/008_job_projects.ts';
import * as idempotencyKeys from './migrations/010_idempotency_keys.ts';
import * as assetNameSearch from './migrations/011_asset_name_search.ts';
import * as eventsAndWebhooks from './migrations/012_events_and_webhooks.ts';
import * as projectQuotas from './migrations/013_project_quotas.ts';
import * as assetFilterIndexes from './migrations/015_asset_filter_indexes.ts';
import type { Database } from './schema.ts';
import { openSqlite } from './sqlite-dialect.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly engine: Engine;
  /** The PostgreSQL schema in use, when not the default. */
  readonly schema: string | undefined;
  close(): Promise<void>;
  /** PostgreSQL: another handle on the database without statement timeouts, for migrations; SQLite: none needed. */
  forMigrations(): Db | undefined;
}

/** Migrations are listed here rather than read from a folder, so they load the same from source or a bundle. */
const MIGRATIONS: Record<string, Migration> = {
  '001_initial': initial,
  '002_uploads_and_jobs': uploadsAndJobs,
  '003_video_frames': videoFrames,
  '004_original_file_name': originalFileName,
  '005_previews': previews,
  '006_job_leases': jobLeases,
  '007_upload_jobs_and_groups': uploadJobsAndGroups,
  '008_job_projects': jobProjects,
  '010_idempotency_keys': idempotencyKeys,
  '011_asset_name_search': assetNameSearch,
  '012_events_and_webhooks': eventsAndWebhooks,
  '013_project_quotas': projectQuotas,
  '015_asset_filter_indexes': assetFilterIndexes,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export interface OpenOptions {
  /** PostgreSQL schema to use (tests give each suite its own). */
  readonly schema?: string;
  /** Told of each PostgreSQL connection lost outside a query; the pool replaces it. */
  readonly onConnectionError?: (error: Error) => void;
}

const POOL_SIZE = 10;

/** Opens (lazily: nothing connects before the first query) the database `url` names, within `limits`. */
export function openDatabase(url: string, limits: DatabaseLimits, options: OpenOptions = {}): Db {
  const engine: Engine = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const dialect =
    engine === 'sqlite'
      ? openSqlite(url.slice('sqlite:'.length), limits.busyTimeoutMs)
      : new PostgresDialect({
          // Made with the first query: node-postgres is loaded only by a process that uses PostgreSQL.
          pool: async () =>
            (await import('./postgres-pool.ts')).createPostgresPool(url, {
              schema: options.schema,
              max: POOL_SIZE,
              connectTimeoutMs: limits.connectTimeoutMs,
              statementTimeoutMs: limits.statementTimeoutMs,
              onConnectionError: options.onConnectionError ?? (() => {}),
            }),
        });
  const kysely = new Kysely<Database>({ dialect });
  return {
    kysely,
    engine,
    schema: options.schema,
    close: () => kysely.destroy(),
    // Migrations may run (or wait for another process's) longer than any statement should.
    forMigrations: () => (engine === 'postgres' ? openDatabase(url, { ...limits, statementTimeoutMs: 0 }, options) : undefined),
  };
}

export async function migrate(db: Db): Promise<void> {
  // Name the schema of the migration tables, or Kysely finds another schema's and skips making its own.
  // Unordered: migrations written side by side on branches may land in either order, and each
  // touches its own tables; a database that has a later one still gets an earlier one it lacks.
  const tables = { allowUnorderedMigrations: true, ...(db.schema ? { migrationTableSchema: db.schema } : {}) };
  const unbounded = db.forMigrations();
  if (unbounded) {
    try {
      // Several processes may start together: let one migrate while the others wait.
      await unbounded.kysely.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(715517)`.execute(conn);
        try {
          await runMigrations(new Migrator({ db: conn, provider, ...tables }));
        } finally {
          await sql`select pg_advisory_unlock(715517)`.execute(conn);
        }
      });
    } finally {
      await unbounded.close();
    }
    return;
  }
  await runMigrations(new Migrator({ db: db.kysely, provider, ...tables }));
}

async function runMigrations(migrator: Migrator): Promise<void> {
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}
