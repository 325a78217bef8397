import { MAX_ASSETS_PER_CALL } from '@assetd/contract/scenario';
import type { Kysely, Transaction } from 'kysely';
import type { Scope } from '../assets/asset.ts';
import type { Database } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import { newId } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';

export interface Collection {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  /** What a token360 asset group says it is for (`groupKind`); null for a plain collection. */
  readonly groupKind: string | null;
  readonly description: string | null;
  /** False once made inactive (as a token360 asset group): it takes no uploads there. */
  readonly active: boolean;
  readonly assetCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What a collection may be created with beyond its name. */
export interface CollectionDetails {
  readonly groupKind?: string;
  readonly description?: string;
}

/** What an update may change; absent fields stay as they are. */
export interface CollectionChanges {
  readonly name?: string;
  readonly description?: string | null;
  readonly active?: boolean;
}

export interface CollectionPage {
  readonly collections: Collection[];
  readonly nextPaginationToken?: string;
}

/** How many asset ids one add or remove call may carry. */
export { MAX_ASSETS_PER_CALL };

/** The name a project's default collection is created with (the token360 dialect's "library" group). */
export const DEFAULT_COLLECTION_NAME = 'library';

/**
 * The settings row that names a project's default collection. A row with a unique name, not a
 * lookup by collection name, is what makes creating it idempotent: collection names are not
 * unique, and two requests racing on "find by name, else create" would both create one.
 */
const defaultCollectionMarker = (projectId: string) => `default_collection:${projectId}`;

export class CollectionService {
  readonly #db: Kysely<Database>;
  readonly #events: EventLog;

  constructor(db: Kysely<Database>, events: EventLog) {
    this.#db = db;
    this.#events = events;
  }

  /** Records `collection.updated` with the collection as it now is in `trx`: last in the transaction. */
  async #recordUpdated(trx: Transaction<Database>, scope: Scope, id: string): Promise<void> {
    await this.#events.record(trx, scope.projectId, 'collection.updated', await this.get(scope, id, trx));
  }

  async create(scope: Scope, name: string, details: CollectionDetails = {}): Promise<Collection> {
    const now = nowIso();
    const id = newId('collection');
    await this.#db
      .insertInto('collections')
      .values({
        id,
        project_id: scope.projectId,
        name,
        group_kind: details.groupKind ?? null,
        description: details.description ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return this.get(scope, id);
  }

  /**
   * The project's default collection, created on first use. Racing callers all get the same
   * one: the first to insert the marker picks the id, the others read it back once it commits
   * (PostgreSQL makes the second insert wait on the first; SQLite runs one write at a time).
   * If the collection was deleted, it comes back, empty, under the same id.
   */
  async ensureDefault(scope: Scope): Promise<Collection> {
    const known = await this.defaultId(scope);
    if (known) {
      const existing = await this.get(scope, known).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'COLLECTION_NOT_FOUND') return undefined;
        throw error;
      });
      if (existing) return existing;
    }
    const marker = defaultCollectionMarker(scope.projectId);
    const id = await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('settings')
        .values({ name: marker, value: newId('collection') })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const { value } = await trx.selectFrom('settings').select('value').where('name', '=', marker).executeTakeFirstOrThrow();
      const now = nowIso();
      await trx
        .insertInto('collections')
        .values({ id: value, project_id: scope.projectId, name: DEFAULT_COLLECTION_NAME, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      return value;
    });
    return this.get(scope, id);
  }

  /** The id of the project's default collection, if it was ever created; never creates it. */
  async defaultId(scope: Scope): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('settings')
      .select('value')
      .where('name', '=', defaultCollectionMarker(scope.projectId))
      .executeTakeFirst();
    return row?.value;
  }

  /** The names of the project's collections among `ids`; other projects' ids are left out. */
  async names(scope: Scope, ids: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('collections')
      .select(['id', 'name'])
      .where('project_id', '=', scope.projectId)
      .where('id', 'in', unique)
      .execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  async get(scope: Scope, id: string, db: Kysely<Database> | Transaction<Database> = this.#db): Promise<Collection> {
    const row = await db
      .selectFrom('collections')
      .selectAll()
      .select((eb) =>
        eb
          .selectFrom('collection_assets')
          .select((inner) => inner.fn.countAll<number>().as('n'))
          .whereRef('collection_assets.collection_id', '=', 'collections.id')
          .as('asset_count'),
      )
      .where('id', '=', id)
      .where('project_id', '=', scope.projectId)
      .executeTakeFirst();
    if (!row) throw notFound('COLLECTION_NOT_FOUND', 'Collection', id);
    return toCollection(row);
  }

  /** Newest first, in keyset pages like assets. */
  async list(scope: Scope, pageSize: number, paginationToken?: string): Promise<CollectionPage> {
    let query = this.#db
      .selectFrom('collections')
      .selectAll()
      .select((eb) =>
        eb
          .selectFrom('collection_assets')
          .select((inner) => inner.fn.countAll<number>().as('n'))
          .whereRef('collection_assets.collection_id', '=', 'collections.id')
          .as('asset_count'),
      )
      .where('project_id', '=', scope.projectId);
    if (paginationToken) {
      const [createdAt, id] = decodeToken(paginationToken);
      query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageSize + 1)
      .execute();
    const page = rows.slice(0, pageSize).map(toCollection);
    const last = page.at(-1);
    if (rows.length <= pageSize || !last) return { collections: page };
    return { collections: page, nextPaginationToken: Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url') };
  }

  rename(scope: Scope, id: string, name: string): Promise<Collection> {
    return this.update(scope, id, { name });
  }

  async update(scope: Scope, id: string, changes: CollectionChanges): Promise<Collection> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('collections')
        .set({
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(changes.active !== undefined ? { active: changes.active ? 1 : 0 } : {}),
          updated_at: nowIso(),
        })
        .where('id', '=', id)
        .where('project_id', '=', scope.projectId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound('COLLECTION_NOT_FOUND', 'Collection', id);
      await this.#recordUpdated(trx, scope, id);
    });
    return this.get(scope, id);
  }

  async delete(scope: Scope, id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom('collections')
        .select('id')
        .where('id', '=', id)
        .where('project_id', '=', scope.projectId)
        .executeTakeFirst();
      if (!found) throw notFound('COLLECTION_NOT_FOUND', 'Collection', id);
      // Assets stay: a collection only groups them.
      await trx.deleteFrom('collection_assets').where('collection_id', '=', id).execute();
      await trx.deleteFrom('collections').where('id', '=', id).execute();
    });
  }

  /** Adds assets of the same project; adding one already there is not an error. */
  async addAssets(scope: Scope, id: string, assetIds: readonly string[]): Promise<Collection> {
    const unique = [...new Set(assetIds)];
    await this.#db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom('collections')
        .select('id')
        .where('id', '=', id)
        .where('project_id', '=', scope.projectId)
        .executeTakeFirst();
      if (!found) throw notFound('COLLECTION_NOT_FOUND', 'Collection', id);
      const assets = await trx
        .selectFrom('assets')
        .select('id')
        .where('project_id', '=', scope.projectId)
        .where('id', 'in', unique)
        .execute();
      const present = new Set(assets.map((row) => row.id));
      const missing = unique.filter((assetId) => !present.has(assetId));
      if (missing.length > 0) throw notFound('ASSET_NOT_FOUND', 'Asset', missing.join('", "'));
      const now = nowIso();
      await trx
        .insertInto('collection_assets')
        .values(unique.map((assetId) => ({ collection_id: id, asset_id: assetId, created_at: now })))
        .onConflict((oc) => oc.columns(['collection_id', 'asset_id']).doNothing())
        .execute();
      await trx.updateTable('collections').set({ updated_at: now }).where('id', '=', id).execute();
      await this.#recordUpdated(trx, scope, id);
    });
    return this.get(scope, id);
  }

  /** Removes assets from the collection; ids not in it are ignored. */
  async removeAssets(scope: Scope, id: string, assetIds: readonly string[]): Promise<Collection> {
    await this.#db.transaction().execute(async (trx) => {
      const found = await trx
        .selectFrom('collections')
        .select('id')
        .where('id', '=', id)
        .where('project_id', '=', scope.projectId)
        .executeTakeFirst();
      if (!found) throw notFound('COLLECTION_NOT_FOUND', 'Collection', id);
      await trx
        .deleteFrom('collection_assets')
        .where('collection_id', '=', id)
        .where('asset_id', 'in', [...new Set(assetIds)])
        .execute();
      await trx.updateTable('collections').set({ updated_at: nowIso() }).where('id', '=', id).execute();
      await this.#recordUpdated(trx, scope, id);
    });
    return this.get(scope, id);
  }
}

function toCollection(row: {
  id: string;
  project_id: string;
  name: string;
  group_kind: string | null;
  description: string | null;
  active: number | boolean;
  created_at: string;
  updated_at: string;
  asset_count: number | null;
}): Collection {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    groupKind: row.group_kind,
    description: row.description,
    active: Boolean(Number(row.active)),
    assetCount: Number(row.asset_count ?? 0),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function decodeToken(token: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((part) => typeof part === 'string')) return parsed as [string, string];
  } catch {
    // fall through to the error below
  }
  throw new AppError(
    'INVALID_PAGINATION_TOKEN',
    'paginationToken is not valid: pass the nextPaginationToken of the previous page unchanged',
  );
}
