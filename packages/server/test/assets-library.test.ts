import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint, uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';

announceSkips();

describe.each(DATABASES)('the asset library on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target);
  });
  afterAll(async () => server?.dispose());

  const request = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown, key = server.key) =>
    server.app.inject({
      method,
      url,
      headers: { authorization: basic(key) },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const list = async (query: string, key = server.key) => {
    const response = await request('GET', `/v1/assets?${query}`, undefined, key);
    expect(response.statusCode, response.body).toBe(200);
    return json(response) as {
      assets: Array<{ id: string; createdAt: string; updatedAt: string; tags: string[] }>;
      nextPaginationToken?: string;
    };
  };
  /** Every page of a listing, following nextPaginationToken. */
  const listAll = async (query: string, key = server.key) => {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await list(`${query}${token ? `&paginationToken=${encodeURIComponent(token)}` : ''}`, key);
      ids.push(...page.assets.map((a) => a.id));
      token = page.nextPaginationToken;
    } while (token);
    return ids;
  };

  it.skipIf(target.skipReason)('gets one asset, and 404s an unknown id', async () => {
    const asset = await uploadImage(server, await uniquePng(100));
    const response = await request('GET', `/v1/assets/${asset.id}`);
    expect(json(response).asset).toMatchObject({ id: asset.id, metadata: asset.metadata, properties: asset.properties });
    const missing = await request('GET', '/v1/assets/asset_doesnotexist');
    expect(missing.statusCode).toBe(404);
    expect(json(missing)).toMatchObject({ code: 'ASSET_NOT_FOUND', message: 'Asset "asset_doesnotexist" was not found' });
  });

  it.skipIf(target.skipReason)('pages without skipping or repeating while assets are added', async () => {
    const key = await server.container.keys.create({ team: server.key.teamId, project: 'paging' });
    const created: string[] = [];
    for (let i = 0; i < 12; i++) created.push((await uploadImage(server, await uniquePng(200 + i), {}, { key })).id);
    const seen: string[] = [];
    let token: string | undefined;
    let added = 0;
    do {
      const page = await list(`pageSize=5${token ? `&paginationToken=${encodeURIComponent(token)}` : ''}`, key);
      seen.push(...page.assets.map((a) => a.id));
      token = page.nextPaginationToken;
      // New assets arrive between pages: they sort before the cursor and must not disturb it.
      if (added < 2) await uploadImage(server, await uniquePng(300 + added++), {}, { key });
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...created].reverse());
    const ascending = await listAll('pageSize=3&sortDirection=asc', key);
    expect(ascending.slice(0, 12)).toEqual(created);
    expect(ascending).toHaveLength(14);
  });

  it.skipIf(target.skipReason)('filters by creation dates (exclusive) with sortBy=createdAt only', async () => {
    const key = await server.container.keys.create({ team: server.key.teamId, project: 'dates' });
    const assets = [];
    for (let i = 0; i < 3; i++) {
      assets.push(await uploadImage(server, await uniquePng(400 + i), {}, { key }));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const [first, second, third] = assets;
    const after = await list(`createdAfter=${first.createdAt}&sortBy=createdAt`, key);
    expect(after.assets.map((a) => a.id)).toEqual([third.id, second.id]);
    const before = await list(`createdBefore=${third.createdAt}&createdAfter=${first.createdAt}`, key);
    expect(before.assets.map((a) => a.id)).toEqual([second.id]);
    const refused = await request('GET', `/v1/assets?createdAfter=${first.createdAt}&sortBy=updatedAt`, undefined, key);
    expect(refused.statusCode).toBe(400);
    expect(json(refused).message).toMatch(/require sortBy=createdAt/);
    const badDate = await request('GET', '/v1/assets?createdAfter=yesterday', undefined, key);
    expect(badDate.statusCode).toBe(400);
  });

  it.skipIf(target.skipReason)('sorts by updatedAt', async () => {
    const key = await server.container.keys.create({ team: server.key.teamId, project: 'updates' });
    const a = await uploadImage(server, await uniquePng(500), {}, { key });
    const b = await uploadImage(server, await uniquePng(501), {}, { key });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await request('PUT', `/v1/assets/${a.id}`, { name: 'touched' }, key);
    expect((await list('sortBy=updatedAt', key)).assets.map((x) => x.id)).toEqual([a.id, b.id]);
    expect((await list('sortBy=createdAt', key)).assets.map((x) => x.id)).toEqual([b.id, a.id]);
  });

  it.skipIf(target.skipReason)('filters by parent, root, author, type, kind, tags and collection', async () => {
    const key = await server.container.keys.create({ team: server.key.teamId, project: 'filters' });
    const root = await uploadImage(server, await uniquePng(600), {}, { key });
    const child = await uploadImage(server, await uniquePng(601), { parentId: root.id }, { key });
    const grandchild = await uploadImage(server, await uniquePng(602), { parentId: child.id }, { key });
    const ids = async (query: string) => (await list(query, key)).assets.map((a) => a.id);
    expect(await ids(`parentAssetId=${root.id}`)).toEqual([child.id]);
    expect(await ids(`rootAssetId=${root.id}`)).toEqual([grandchild.id, child.id]);
    expect(await ids(`authorId=${key.id}`)).toHaveLength(3);
    expect(await ids('authorId=key_other')).toEqual([]);
    expect(await ids('type=uploaded')).toHaveLength(3);
    expect(await ids('kind=image')).toHaveLength(3);
    expect(await ids('kind=audio')).toEqual([]);
    expect(await ids('modelId=model_x')).toEqual([]);
    await request('PUT', `/v1/assets/${root.id}`, { tags: ['hero', 'blue'] }, key);
    await request('PUT', `/v1/assets/${child.id}`, { tags: ['hero'] }, key);
    expect(await ids('tags=hero')).toEqual([child.id, root.id]);
    expect(await ids('tags=hero,blue')).toEqual([root.id]);
    expect(await ids('tags=hero&tags=blue')).toEqual([root.id]);
    const collection = json(
      await server.app.inject({ method: 'POST', url: '/v1/collections', headers: { authorization: basic(key) }, payload: { name: 'c' } }),
    ).collection;
    await server.app.inject({
      method: 'PUT',
      url: `/v1/collections/${collection.id}/assets`,
      headers: { authorization: basic(key) },
      payload: { assetIds: [grandchild.id] },
    });
    expect(await ids(`collectionId=${collection.id}`)).toEqual([grandchild.id]);
  });

  it.skipIf(target.skipReason)('searches names for a substring, ignoring case, with % and _ taken literally', async () => {
    const key = await server.container.keys.create({ team: server.key.teamId, project: 'search' });
    const names = ['Hero_Sword.png', 'hero shield.png', 'Villain.png', '100% done.png', 'heroXsword.png'];
    const ids = new Map<string, string>();
    for (const [i, name] of names.entries()) ids.set(name, (await uploadImage(server, await uniquePng(900 + i), { name }, { key })).id);
    const found = async (search: string, extra = '') =>
      (await list(`search=${encodeURIComponent(search)}${extra}`, key)).assets
        .map((a) => (a as unknown as { metadata: { name: string } }).metadata.name)
        .sort();
    expect(await found('HERO')).toEqual(['Hero_Sword.png', 'hero shield.png', 'heroXsword.png'].sort());
    expect(await found('o_s')).toEqual(['Hero_Sword.png']);
    expect(await found('0%')).toEqual(['100% done.png']);
    expect(await found('nothing like it')).toEqual([]);
    // It pages on the same cursor as any listing, and combines with the other filters.
    const paged = await listAll('pageSize=1&search=hero', key);
    expect(paged).toHaveLength(3);
    expect(await found('hero', '&sortDirection=asc&kind=image')).toHaveLength(3);
    const tooLong = await request('GET', `/v1/assets?search=${'x'.repeat(201)}`, undefined, key);
    expect(tooLong.statusCode).toBe(400);
    if (target.name === 'postgres') {
      // The trigram index exists, and the planner takes it for the search once scans are off the table.
      const { kysely } = server.container.db;
      await sql`set enable_seqscan = off`.execute(kysely);
      const plan = await sql<{ 'QUERY PLAN': string }>`explain select id from assets where lower(name) like '%hero%'`.execute(kysely);
      await sql`reset enable_seqscan`.execute(kysely);
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('assets_name_trgm');
    }
  });

  it.skipIf(target.skipReason)("lists the key's team's projects, and nothing of other teams", async () => {
    const team = await server.container.keys.create({ team: 'projects-team', project: 'first' });
    await server.container.keys.create({ team: team.teamId, project: 'second' });
    await server.container.keys.create({ team: 'another-team', project: 'theirs' });
    const response = await request('GET', '/v1/projects', undefined, team);
    expect(response.statusCode, response.body).toBe(200);
    const { projects } = json(response) as { projects: Array<{ id: string; name: string; createdAt: string }> };
    expect(projects.map((project) => project.name).sort()).toEqual(['first', 'second']);
    expect(projects).toContainEqual({ id: team.projectId, name: 'first', createdAt: expect.any(String) });
    // Any of them is a projectId the key may act in.
    const second = projects.find((project) => project.name === 'second')?.id ?? '';
    expect((await request('GET', `/v1/assets?projectId=${second}`, undefined, team)).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/v1/projects' })).statusCode).toBe(401);
  });

  it.skipIf(target.skipReason)('validates pageSize and the pagination token', async () => {
    for (const query of [
      'pageSize=0',
      'pageSize=101',
      'pageSize=abc',
      'sortBy=name',
      'sortDirection=up',
      'paginationToken=garbage',
      'privacy=secret',
    ]) {
      const response = await request('GET', `/v1/assets?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(json(response).message.length, query).toBeGreaterThan(5);
    }
    const key = await server.container.keys.create({ team: server.key.teamId, project: 'tokens' });
    for (let i = 0; i < 2; i++) await uploadImage(server, await uniquePng(700 + i), {}, { key });
    const { nextPaginationToken } = await list('pageSize=1', key);
    expect(nextPaginationToken).toBeDefined();
    const mismatch = await request('GET', `/v1/assets?pageSize=1&sortDirection=asc&paginationToken=${nextPaginationToken}`, undefined, key);
    expect(mismatch.statusCode).toBe(400);
    expect(json(mismatch).message).toMatch(/another sort order/);
    expect((await list('pageSize=100', key)).assets).toHaveLength(2);
    expect((await list('', key)).nextPaginationToken).toBeUndefined();
  });

  it.skipIf(target.skipReason)('lists public assets of every team with privacy=public or the public token', async () => {
    const mine = await uploadImage(server, await uniquePng(800));
    const theirs = await uploadImage(server, await uniquePng(801), {}, { key: server.otherKey });
    const hidden = await uploadImage(server, await uniquePng(802), {}, { key: server.otherKey });
    await request('PUT', `/v1/assets/${mine.id}`, { privacy: 'public' });
    await request('PUT', `/v1/assets/${theirs.id}`, { privacy: 'public' }, server.otherKey);
    const viaKey = await listAll('privacy=public');
    expect(viaKey).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect(viaKey).not.toContain(hidden.id);
    const anonymous = await server.app.inject({
      method: 'GET',
      url: '/v1/assets?pageSize=100',
      headers: { authorization: 'public-auth-token' },
    });
    const ids = json(anonymous).assets.map((a: { id: string }) => a.id);
    expect(ids).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect(ids).not.toContain(hidden.id);
    const privateOnly = await listAll('privacy=private');
    expect(privateOnly).not.toContain(mine.id);
  });

  it.skipIf(target.skipReason)('updates name, description, tags and privacy', async () => {
    const asset = await uploadImage(server, await uniquePng(900));
    const response = await request('PUT', `/v1/assets/${asset.id}`, {
      name: 'renamed',
      description: 'a hero',
      tags: ['a', 'b', 'a'],
      privacy: 'unlisted',
    });
    expect(response.statusCode, response.body).toBe(200);
    const updated = json(response).asset;
    expect(updated).toMatchObject({ metadata: { name: 'renamed' }, description: 'a hero', tags: ['a', 'b'], privacy: 'unlisted' });
    expect(updated.updatedAt >= asset.updatedAt).toBe(true);
    expect(updated.createdAt).toBe(asset.createdAt);
    const cleared = json(await request('PUT', `/v1/assets/${asset.id}`, { description: null, tags: [] })).asset;
    expect(cleared.description).toBeUndefined();
    expect(cleared.tags).toEqual([]);
  });

  it.skipIf(target.skipReason)('refuses bad updates with 400 and changes nothing', async () => {
    const asset = await uploadImage(server, await uniquePng(901));
    const bad = [{}, { nmae: 'typo' }, { privacy: 'everyone' }, { tags: 'a,b' }, { tags: [''] }, { name: '' }, { name: 7 }];
    for (const payload of bad) {
      const response = await request('PUT', `/v1/assets/${asset.id}`, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect(json(await request('GET', `/v1/assets/${asset.id}`)).asset).toEqual(json(await request('GET', `/v1/assets/${asset.id}`)).asset);
    expect(json(await request('GET', `/v1/assets/${asset.id}`)).asset.updatedAt).toBe(asset.updatedAt);
  });

  it.skipIf(target.skipReason)('deletes an asset and, once nothing refers to them, its bytes', async () => {
    const png = await uniquePng(1000);
    const first = await uploadImage(server, png);
    const second = await uploadImage(server, png);
    const withBoth = await footprint(server);
    expect((await request('DELETE', `/v1/assets/${first.id}`)).statusCode).toBe(200);
    expect((await request('GET', `/v1/assets/${first.id}`)).statusCode).toBe(404);
    // The bytes are shared with the second asset: they stay.
    expect(await footprint(server)).toMatchObject({ assets: withBoth.assets - 1, files: withBoth.files, objects: withBoth.objects });
    const secondFile = await server.app.inject({ method: 'GET', url: second.url.replace(/^https?:\/\/[^/]+/, '') });
    expect(secondFile.statusCode).toBe(200);
    expect((await request('DELETE', `/v1/assets/${second.id}`)).statusCode).toBe(200);
    expect(await footprint(server)).toMatchObject({
      assets: withBoth.assets - 2,
      files: withBoth.files - 2,
      objects: withBoth.objects - 2,
    });
    const gone = await server.app.inject({ method: 'GET', url: second.url.replace(/^https?:\/\/[^/]+/, '') });
    expect(gone.statusCode).toBe(404);
    expect((await request('DELETE', `/v1/assets/${second.id}`)).statusCode).toBe(404);
  });

  it.skipIf(target.skipReason)('deletes several assets at once, all or none', async () => {
    const a = await uploadImage(server, await uniquePng(1100));
    const b = await uploadImage(server, await uniquePng(1101));
    const partial = await request('DELETE', '/v1/assets', { assetIds: [a.id, 'asset_missing'] });
    expect(partial.statusCode).toBe(404);
    expect(json(partial).message).toContain('asset_missing');
    expect((await request('GET', `/v1/assets/${a.id}`)).statusCode).toBe(200);
    const foreign = await uploadImage(server, await uniquePng(1102), {}, { key: server.otherKey });
    expect((await request('DELETE', '/v1/assets', { assetIds: [a.id, foreign.id] })).statusCode).toBe(404);
    expect((await request('DELETE', '/v1/assets', { assetIds: [a.id, b.id] })).statusCode).toBe(200);
    expect((await request('GET', `/v1/assets/${b.id}`)).statusCode).toBe(404);
    for (const payload of [{}, { assetIds: [] }, { assetIds: 'x' }]) {
      expect((await request('DELETE', '/v1/assets', payload)).statusCode).toBe(400);
    }
  });
});
