import path from 'node:path';
import { AssetService } from './assets/asset-service.ts';
import { KeyService } from './auth/keys.ts';
import { loadSigningSecret } from './auth/signing-secret.ts';
import { UrlSigner } from './auth/url-signer.ts';
import { CollectionService } from './collections/collection-service.ts';
import type { Config } from './config.ts';
import { type Db, migrate, type OpenOptions, openDatabase } from './db/database.ts';
import { FileStore } from './files/file-store.ts';
import { LocalStorage } from './storage/local/local-storage.ts';
import type { StorageBackend } from './storage/storage.ts';

/** Everything a process needs, built once from the config and passed down; no module reads globals. */
export interface Container {
  readonly config: Config;
  readonly db: Db;
  readonly storage: StorageBackend;
  readonly files: FileStore;
  readonly keys: KeyService;
  readonly assets: AssetService;
  readonly collections: CollectionService;
  readonly signer: UrlSigner;
  close(): Promise<void>;
}

export function createStorage(config: Config): StorageBackend {
  switch (config.storage.kind) {
    case 'local':
      return new LocalStorage(config.storage.root);
  }
}

export async function createContainer(config: Config, databaseOptions: OpenOptions = {}): Promise<Container> {
  const db = openDatabase(config.databaseUrl, databaseOptions);
  try {
    await migrate(db);
    const storage = createStorage(config);
    await storage.ping();
    const files = new FileStore(db.kysely, storage, path.join(config.dataDir, 'tmp'));
    await files.sweepTemp(60 * 60 * 1000);
    const signer = new UrlSigner(await loadSigningSecret(db.kysely, config.signingSecret));
    return {
      config,
      db,
      storage,
      files,
      keys: new KeyService(db.kysely),
      assets: new AssetService(db.kysely, files, { maxSmallImageBytes: config.maxSmallImageBytes, maxPixels: config.maxImagePixels }),
      collections: new CollectionService(db.kysely),
      signer,
      close: () => db.close(),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
