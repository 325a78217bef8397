import { type Kysely, type SelectQueryBuilder, SqliteAdapter, sql, type Transaction } from 'kysely';
import type { AssetsTable, Database } from '../db/schema.ts';
import type { FileRef } from '../files/file-store.ts';
import type { Asset, AssetKind, AssetListQuery, Privacy } from './asset.ts';
import { type Cursor, encodeCursor } from './cursor.ts';

type Executor = Kysely<Database> | Transaction<Database>;

const SORT_COLUMN = { createdAt: 'assets.created_at', updatedAt: 'assets.updated_at' } as const;

/** A filter by membership: the asset is in the collection, or has the tag. */
interface Membership {
  readonly table: 'collection_assets' | 'asset_tags';
  readonly column: 'collection_id' | 'tag';
  readonly value: string;
}

const membership = <T extends Membership['table']>(
  table: T,
  column: T extends 'asset_tags' ? 'tag' : 'collection_id',
  value: string,
): Membership => ({
  table,
  column,
  value,
});

/**
 * Up to this many members, reading them and sorting beats reading the project in page order
 * (which, for a condition with m of n assets, reads about 50·n/m rows per page): the two meet
 * near √(50·n), ~2,000 at 100,000 assets.
 */
const DRIVING_MEMBERS = 2000;

type AssetSelect = SelectQueryBuilder<Database, 'assets', AssetsTable>;

/** A page of assets, or one, with the files they refer to and their collections. */
interface Related {
  readonly files: ReadonlyMap<string, FileRef>;
  readonly collections: ReadonlyMap<string, string[]>;
}

/**
 * The files of these assets, in one query. Assets are read first, by their own index, and their
 * files after: joined in one statement, SQLite may start from `files` when few files are shared
 * by many assets (deduplication) and sort the whole project to find a deep page.
 */
async function filesOf(db: Executor, rows: readonly AssetsTable[]): Promise<Map<string, FileRef>> {
  const ids = [...new Set(rows.flatMap((row) => [row.file_id, ...previewFileIds(row)]))].filter((id): id is string => id !== null);
  if (ids.length === 0) return new Map();
  const files = await db.selectFrom('files').select(['id', 'storage_key', 'size', 'sha256', 'mime_type']).where('id', 'in', ids).execute();
  return new Map(
    files.map((file) => [
      file.id,
      { id: file.id, storageKey: file.storage_key, size: file.size, sha256: file.sha256, mimeType: file.mime_type },
    ]),
  );
}

/** The files an asset has besides its own bytes: previews, frames, peaks. */
const previewFileIds = (row: Pick<AssetsTable, PreviewColumn>) =>
  PREVIEW_COLUMNS.map((column) => row[column]).filter((id): id is string => id !== null);

const PREVIEW_COLUMNS = ['thumbnail_file_id', 'first_frame_file_id', 'last_frame_file_id', 'preview_file_id', 'waveform_file_id'] as const;
type PreviewColumn = (typeof PREVIEW_COLUMNS)[number];

async function relatedOf(db: Executor, rows: readonly AssetsTable[]): Promise<Related> {
  const [files, collections] = await Promise.all([
    filesOf(db, rows),
    collectionIdsOf(
      db,
      rows.map((row) => row.id),
    ),
  ]);
  return { files, collections };
}

function toAsset(row: AssetsTable, related: Related): Asset {
  const file = (id: string | null) => (id === null ? null : (related.files.get(id) ?? null));
  const stored = file(row.file_id);
  // The foreign key guarantees the row; a miss means it was deleted in between.
  if (!stored) throw new Error(`asset ${row.id} refers to file ${row.file_id}, which is gone`);
  return {
    id: row.id,
    projectId: row.project_id,
    authorId: row.author_id,
    kind: row.kind as AssetKind,
    mimeType: row.mime_type,
    name: row.name,
    originalFileName: row.original_file_name,
    description: row.description,
    source: row.source,
    type: row.type,
    privacy: row.privacy as Privacy,
    isHidden: Boolean(row.is_hidden),
    tags: JSON.parse(row.tags) as string[],
    parentId: row.parent_id,
    rootParentId: row.root_parent_id,
    modelId: row.model_id,
    file: stored,
    thumbnail: file(row.thumbnail_file_id),
    firstFrame: file(row.first_frame_file_id),
    lastFrame: file(row.last_frame_file_id),
    preview: file(row.preview_file_id),
    previewError: row.preview_error,
    waveform: file(row.waveform_file_id),
    size: row.size,
    width: row.width,
    height: row.height,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
    status: 'success',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    collectionIds: related.collections.get(row.id) ?? [],
  };
}

async function collectionIdsOf(db: Executor, assetIds: readonly string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (assetIds.length === 0) return map;
  const rows = await db
    .selectFrom('collection_assets')
    .select(['asset_id', 'collection_id'])
    .where('asset_id', 'in', assetIds)
    .orderBy('created_at')
    .orderBy('collection_id')
    .execute();
  for (const row of rows) {
    const list = map.get(row.asset_id) ?? [];
    list.push(row.collection_id);
    map.set(row.asset_id, list);
  }
  return map;
}

/** The row a new asset is stored as, before the database gives it collections. */
export type NewAssetRow = Omit<AssetsTable, 'tags' | 'properties' | 'is_hidden' | 'original_file_name' | PreviewColumn | 'preview_error'> &
  Partial<Pick<AssetsTable, PreviewColumn | 'preview_error'>> & {
    original_file_name?: string | null;
    tags: readonly string[];
    properties: Record<string, unknown>;
    is_hidden: boolean;
  };

export class AssetRepository {
  readonly #db: Kysely<Database>;
  /** SQLite plans by the query's form (see #withMemberships). */
  readonly #sqlite: boolean;

  readonly #drivingMembers: number;

  /** `drivingMembers`: see DRIVING_MEMBERS (tests lower it to check that both plans agree). */
  constructor(db: Kysely<Database>, options: { drivingMembers?: number } = {}) {
    this.#db = db;
    this.#sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
    this.#drivingMembers = options.drivingMembers ?? DRIVING_MEMBERS;
  }

  async insert(trx: Transaction<Database>, row: NewAssetRow, collectionIds: readonly string[]): Promise<void> {
    await trx
      .insertInto('assets')
      .values({ ...row, tags: JSON.stringify(row.tags), properties: JSON.stringify(row.properties), is_hidden: row.is_hidden ? 1 : 0 })
      .execute();
    await this.replaceTags(trx, row.id, row.tags);
    for (const collectionId of collectionIds) {
      await trx
        .insertInto('collection_assets')
        .values({ collection_id: collectionId, asset_id: row.id, created_at: row.created_at })
        .execute();
    }
  }

  async replaceTags(trx: Transaction<Database>, assetId: string, tags: readonly string[]): Promise<void> {
    await trx.deleteFrom('asset_tags').where('asset_id', '=', assetId).execute();
    const unique = [...new Set(tags)];
    if (unique.length > 0)
      await trx
        .insertInto('asset_tags')
        .values(unique.map((tag) => ({ asset_id: assetId, tag })))
        .execute();
  }

  /** The asset if it exists in the project (any project when `projectId` is null). */
  async find(projectId: string | null, id: string, db: Executor = this.#db): Promise<Asset | undefined> {
    let query = db.selectFrom('assets').selectAll().where('id', '=', id);
    if (projectId !== null) query = query.where('project_id', '=', projectId);
    const row = await query.executeTakeFirst();
    return row && toAsset(row, await relatedOf(db, [row]));
  }

  /** Ids among `ids` that exist in the project. */
  async existing(db: Executor, projectId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db.selectFrom('assets').select('id').where('project_id', '=', projectId).where('id', 'in', ids).execute();
    return new Set(rows.map((row) => row.id));
  }

  /**
   * One page in keyset order (sort column, then id), so concurrent inserts never make a
   * page skip or repeat an asset. `projectId` null lists public assets of every project.
   */
  async list(
    projectId: string | null,
    query: AssetListQuery,
    cursor: Cursor | undefined,
  ): Promise<{ assets: Asset[]; nextPaginationToken?: string }> {
    const column = SORT_COLUMN[query.sortBy];
    const descending = query.sortDirection === 'desc';
    let q = this.#db.selectFrom('assets').selectAll('assets');
    q = projectId === null ? q.where('assets.privacy', '=', 'public') : q.where('assets.project_id', '=', projectId);
    if (projectId !== null && query.privacy) q = q.where('assets.privacy', '=', query.privacy);
    if (query.createdAfter) q = q.where('assets.created_at', '>', query.createdAfter);
    if (query.createdBefore) q = q.where('assets.created_at', '<', query.createdBefore);
    if (query.parentAssetId) q = q.where('assets.parent_id', '=', query.parentAssetId);
    if (query.rootAssetId) q = q.where('assets.root_parent_id', '=', query.rootAssetId);
    if (query.modelId) q = q.where('assets.model_id', '=', query.modelId);
    if (query.authorId) q = q.where('assets.author_id', '=', query.authorId);
    if (query.type) q = q.where('assets.type', '=', query.type);
    if (query.kind) q = q.where('assets.kind', '=', query.kind);
    if (query.sha256) {
      // From the file to its assets (files.sha256 is unique, assets_project_file finds its users);
      // as a correlated EXISTS, SQLite probed files once for every asset of the project.
      const sha256 = query.sha256;
      q = q.where('assets.file_id', 'in', (eb) => eb.selectFrom('files').select('files.id').where('files.sha256', '=', sha256));
    }
    if (query.search) {
      // lower(name) LIKE '%…%': PostgreSQL answers it from the trigram index on lower(name)
      // (migration 011), SQLite by a scan of the project's rows. The text's own % and _ are literal.
      const pattern = `%${query.search.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      q = q.where(sql<boolean>`lower(assets.name) like ${pattern} escape '\\'`);
    }
    q = await this.#withMemberships(q, query);
    if (cursor) {
      const op = descending ? '<' : '>';
      // The plain range bound is implied by the OR, but PostgreSQL's planner only turns a bound
      // it can see into an index range: without it, a deep page reads every row before it.
      q = q
        .where(column, descending ? '<=' : '>=', cursor.value)
        .where((eb) => eb.or([eb(column, op, cursor.value), eb.and([eb(column, '=', cursor.value), eb('assets.id', op, cursor.id)])]));
    }
    const direction = descending ? 'desc' : 'asc';
    const rows = (await q
      .orderBy(column, direction)
      .orderBy('assets.id', direction)
      .limit(query.pageSize + 1)
      .execute()) as AssetsTable[];
    const page = rows.slice(0, query.pageSize);
    const related = await relatedOf(this.#db, page);
    const assets = page.map((row) => toAsset(row, related));
    const last = page.at(-1);
    if (rows.length <= query.pageSize || !last) return { assets };
    const value = query.sortBy === 'createdAt' ? last.created_at : last.updated_at;
    return { assets, nextPaginationToken: encodeCursor({ sortBy: query.sortBy, direction: query.sortDirection, value, id: last.id }) };
  }

  /**
   * The collection and tag conditions. PostgreSQL plans a semi-join from its statistics, whatever
   * the form. SQLite follows the form, and has no statistics of single values: a correlated
   * EXISTS reads the project in page order and probes each row (fast for a common tag, a scan for
   * a rare one), `id IN (members)` reads the members and sorts them (fast for a rare tag, a sort
   * of a tenth of the project for a common one). So on SQLite the rarest condition is counted, up
   * to a bound, and drives the query when it has few members; the others stay EXISTS probes.
   */
  async #withMemberships<Q extends AssetSelect>(q: Q, query: AssetListQuery): Promise<Q> {
    const conditions = [
      ...(query.collectionId ? [membership('collection_assets', 'collection_id', query.collectionId)] : []),
      ...[...new Set(query.tags ?? [])].map((tag) => membership('asset_tags', 'tag', tag)),
    ];
    if (conditions.length === 0) return q;
    const driver = this.#sqlite ? await this.#rarest(conditions) : undefined;
    let result = q;
    for (const condition of conditions) {
      result = result.where((eb) =>
        condition === driver
          ? eb(
              'assets.id',
              'in',
              eb.selectFrom(condition.table).select(`${condition.table}.asset_id`).where(condition.column, '=', condition.value),
            )
          : eb.exists(
              eb
                .selectFrom(condition.table)
                .select(`${condition.table}.asset_id`)
                .whereRef(`${condition.table}.asset_id`, '=', 'assets.id')
                .where(condition.column, '=', condition.value),
            ),
      ) as Q;
    }
    return result;
  }

  /** The condition with the fewest members, when it has at most #drivingMembers of them. */
  async #rarest(conditions: readonly Membership[]): Promise<Membership | undefined> {
    let rarest: { condition: Membership; count: number } | undefined;
    for (const condition of conditions) {
      const bounded = this.#db
        .selectFrom(condition.table)
        .select(sql`1`.as('one'))
        .where(condition.column, '=', condition.value)
        .limit(this.#drivingMembers + 1)
        .as('members');
      const { count } = await this.#db
        .selectFrom(bounded)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      const members = Number(count);
      if (members <= this.#drivingMembers && (!rarest || members < rarest.count)) rarest = { condition, count: members };
    }
    return rarest?.condition;
  }

  /**
   * Deletes the assets' rows; returns the file ids they referred to (originals and previews),
   * and each asset's original with its size (what the project's quota counted).
   */
  async delete(
    trx: Transaction<Database>,
    projectId: string,
    ids: readonly string[],
  ): Promise<{ fileIds: string[]; originals: { fileId: string; size: number }[] }> {
    const rows = await trx
      .selectFrom('assets')
      .select(['id', 'file_id', 'size', ...PREVIEW_COLUMNS])
      .where('project_id', '=', projectId)
      .where('id', 'in', ids)
      .execute();
    if (rows.length === 0) return { fileIds: [], originals: [] };
    const found = rows.map((row) => row.id);
    await trx.deleteFrom('asset_tags').where('asset_id', 'in', found).execute();
    await trx.deleteFrom('collection_assets').where('asset_id', 'in', found).execute();
    await trx.deleteFrom('assets').where('id', 'in', found).execute();
    return {
      fileIds: rows.flatMap((row) => [row.file_id, ...previewFileIds(row)]),
      originals: rows.map((row) => ({ fileId: row.file_id, size: Number(row.size) })),
    };
  }
}
