import { existsSync } from 'node:fs';
import type { Config, KeyService, openDatabase } from '@assetd/server';
import { loadServer } from './server-package.ts';

/** The server's query builder over its database, as its services take it. */
export type Connection = ReturnType<typeof openDatabase>['kysely'];

export interface DatabaseUse {
  /** Whether a missing SQLite database may be created (only `keys create` makes one). */
  readonly create?: boolean;
  /** The command, for the message when the server package is not installed. */
  readonly command?: string;
}

/**
 * Runs `work` against the database the server would use (same environment, same config), and
 * always closes it so a one-shot command never leaves the process hanging on a pool. A command
 * run in the wrong folder must not quietly make an empty database there: unless `create`,
 * a missing SQLite file is an error that says where it looked.
 */
export async function withDatabase<T>(
  env: Record<string, string | undefined>,
  work: (db: Connection, config: Config) => Promise<T>,
  use: DatabaseUse = {},
): Promise<T> {
  const { loadConfig, migrate, openDatabase } = await loadServer(use.command ?? 'keys');
  const config = loadConfig(env);
  const file = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : undefined;
  if (file && !use.create && !existsSync(file)) {
    throw new Error(
      `there is no database at ${file}: run this where the server keeps its data, or set ASSETD_DATA_DIR or ASSETD_DATABASE_URL (assetd keys create makes a new one)`,
    );
  }
  const db = openDatabase(config.databaseUrl, config.database);
  try {
    // Keys may be made before the server has ever started, so the schema must exist first.
    await migrate(db);
    return await work(db.kysely, config);
  } finally {
    await db.close();
  }
}

/** Runs `work` with the key service of the server's database (see withDatabase). */
export async function withKeyService<T>(
  env: Record<string, string | undefined>,
  work: (keys: KeyService) => Promise<T>,
  use: DatabaseUse = {},
): Promise<T> {
  const { KeyService } = await loadServer('keys');
  return withDatabase(env, (db) => work(new KeyService(db)), use);
}
