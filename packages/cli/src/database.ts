import { KeyService, loadConfig, migrate, openDatabase } from '@assetd/server';

/**
 * Runs `work` against the database the server would use (same environment, same config), and
 * always closes it so a one-shot command never leaves the process hanging on a pool.
 */
export async function withKeyService<T>(env: Record<string, string | undefined>, work: (keys: KeyService) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const db = openDatabase(config.databaseUrl, config.database);
  try {
    // Keys may be made before the server has ever started, so the schema must exist first.
    await migrate(db);
    return await work(new KeyService(db.kysely));
  } finally {
    await db.close();
  }
}
