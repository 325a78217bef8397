import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, migrate, openDatabase } from '../db/database.ts';
import type { AssetListQuery } from './asset.ts';
import { AssetRepository } from './asset-repository.ts';
import { decodeCursor } from './cursor.ts';

/**
 * On SQLite, a collection or tag filter is planned from its members when it has few, and as a
 * probe of each row otherwise (AssetRepository#withMemberships). Both plans must list the very
 * same assets, page after page: a repository that always drives from the members is compared
 * with one that never does.
 */
describe('AssetRepository membership filters on SQLite', () => {
  let db: Db;
  const project = 'proj_one';
  const COUNT = 120;

  beforeAll(async () => {
    db = openDatabase('sqlite::memory:', { connectTimeoutMs: 1000, statementTimeoutMs: 1000, busyTimeoutMs: 1000 });
    await migrate(db);
    const k = db.kysely;
    const at = '2024-01-01T00:00:00.000Z';
    await k.insertInto('teams').values({ id: 'team_one', name: 'one', created_at: at }).execute();
    await k.insertInto('projects').values({ id: project, team_id: 'team_one', name: 'one', created_at: at }).execute();
    await k
      .insertInto('files')
      .values({
        id: 'file_one',
        storage_key: 'objects/fi/file_one',
        sha256: '0'.repeat(64),
        size: 1,
        mime_type: 'image/png',
        ref_count: COUNT,
        created_at: at,
      })
      .execute();
    await k
      .insertInto('collections')
      .values(['col_a', 'col_b'].map((id) => ({ id, project_id: project, name: id, created_at: at, updated_at: at })))
      .execute();
    for (let n = 0; n < COUNT; n++) {
      const id = `asset_${String(n).padStart(4, '0')}`;
      // Some creation times repeat, so pages also turn on the id.
      const time = new Date(Date.parse(at) + Math.floor(n / 3) * 1000).toISOString();
      const tags = [`t${n % 3}`, ...(n % 17 === 0 ? ['rare'] : [])];
      await k
        .insertInto('assets')
        .values({
          id,
          project_id: project,
          author_id: 'key_one',
          kind: 'image',
          mime_type: 'image/png',
          name: id,
          description: null,
          source: 'uploaded',
          type: 'uploaded',
          privacy: 'private',
          is_hidden: 0,
          tags: JSON.stringify(tags),
          parent_id: null,
          root_parent_id: null,
          model_id: null,
          file_id: 'file_one',
          size: 1,
          width: 1,
          height: 1,
          properties: '{}',
          status: 'success',
          created_at: time,
          updated_at: new Date(Date.parse(at) + ((n * 7) % COUNT) * 1000).toISOString(),
        })
        .execute();
      await k
        .insertInto('asset_tags')
        .values(tags.map((tag) => ({ asset_id: id, tag })))
        .execute();
      const collections = [...(n % 2 === 0 ? ['col_a'] : []), ...(n % 5 === 0 ? ['col_b'] : [])];
      for (const collection of collections) {
        await k.insertInto('collection_assets').values({ collection_id: collection, asset_id: id, created_at: at }).execute();
      }
    }
  });
  afterAll(async () => db?.close());

  const everyPage = async (repository: AssetRepository, filter: Partial<AssetListQuery>) => {
    const ids: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < COUNT; page++) {
      const query: AssetListQuery = { pageSize: 7, sortBy: 'createdAt', sortDirection: 'desc', ...filter };
      const result = await repository.list(project, query, token ? decodeCursor(token, query.sortBy, query.sortDirection) : undefined);
      ids.push(...result.assets.map((asset) => asset.id));
      token = result.nextPaginationToken;
      if (!token) return ids;
    }
    throw new Error('the listing did not end');
  };

  it.each<Partial<AssetListQuery>>([
    { tags: ['rare'] },
    { tags: ['t1'] },
    { tags: ['t1', 'rare'] },
    { collectionId: 'col_b' },
    { collectionId: 'col_a', tags: ['rare'] },
    { collectionId: 'col_a', tags: ['t0'], sortBy: 'updatedAt', sortDirection: 'asc' },
    { tags: ['missing'] },
  ])('lists the same assets whichever plan it takes: %j', async (filter) => {
    const fromMembers = await everyPage(new AssetRepository(db.kysely, { drivingMembers: COUNT }), filter);
    const probing = await everyPage(new AssetRepository(db.kysely, { drivingMembers: -1 }), filter);
    expect(fromMembers).toEqual(probing);
    // And both are right: every match, once, in the order asked.
    const all = await everyPage(new AssetRepository(db.kysely), {
      sortBy: filter.sortBy ?? 'createdAt',
      sortDirection: filter.sortDirection ?? 'desc',
    });
    const rows = await db.kysely.selectFrom('asset_tags').selectAll().execute();
    const memberships = await db.kysely.selectFrom('collection_assets').selectAll().execute();
    const matches = (id: string) =>
      (filter.tags ?? []).every((tag) => rows.some((row) => row.asset_id === id && row.tag === tag)) &&
      (!filter.collectionId || memberships.some((row) => row.asset_id === id && row.collection_id === filter.collectionId));
    expect(probing).toEqual(all.filter(matches));
  });
});
