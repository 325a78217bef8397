import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';

announceSkips();

describe.each(DATABASES)('collections on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target);
  });
  afterAll(async () => server?.dispose());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, key = server.key) =>
    server.app.inject({
      method,
      url,
      headers: { authorization: basic(key) },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it.skipIf(target.skipReason)('creates, gets, renames, lists and deletes collections', async () => {
    const created = await call('POST', '/v1/collections', { name: 'Characters' });
    expect(created.statusCode).toBe(200);
    const { collection } = json(created);
    expect(collection).toMatchObject({ name: 'Characters', ownerId: server.key.projectId, assetCount: 0 });
    expect(collection.id).toMatch(/^collection_/);
    expect(json(await call('GET', `/v1/collections/${collection.id}`)).collection).toEqual(collection);
    expect(json(await call('PUT', `/v1/collections/${collection.id}`, { name: 'Heroes' })).collection.name).toBe('Heroes');
    const second = json(await call('POST', '/v1/collections', { name: 'Props' })).collection;
    const page = json(await call('GET', '/v1/collections?pageSize=1'));
    expect(page.collections.map((c: { id: string }) => c.id)).toEqual([second.id]);
    const next = json(await call('GET', `/v1/collections?pageSize=1&paginationToken=${page.nextPaginationToken}`));
    expect(next.collections.map((c: { id: string }) => c.id)).toEqual([collection.id]);
    expect((await call('DELETE', `/v1/collections/${collection.id}`)).statusCode).toBe(200);
    expect((await call('GET', `/v1/collections/${collection.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/collections/${collection.id}`)).statusCode).toBe(404);
  });

  it.skipIf(target.skipReason)('adds and removes assets, up to 49 per call', async () => {
    const { collection } = json(await call('POST', '/v1/collections', { name: 'Refs' }));
    const a = await uploadImage(server, await uniquePng(2000));
    const b = await uploadImage(server, await uniquePng(2001));
    const added = await call('PUT', `/v1/collections/${collection.id}/assets`, { assetIds: [a.id, b.id, a.id] });
    expect(added.statusCode, added.body).toBe(200);
    expect(json(added).collection.assetCount).toBe(2);
    expect(json(await call('GET', `/v1/assets/${a.id}`)).asset.collectionIds).toEqual([collection.id]);
    // Adding again is harmless.
    expect(json(await call('PUT', `/v1/collections/${collection.id}/assets`, { assetIds: [a.id] })).collection.assetCount).toBe(2);
    const removed = await call('DELETE', `/v1/collections/${collection.id}/assets`, { assetIds: [a.id] });
    expect(json(removed).collection.assetCount).toBe(1);
    expect(json(await call('GET', `/v1/assets/${a.id}`)).asset.collectionIds).toEqual([]);
    const fifty = Array.from({ length: 50 }, (_, i) => `asset_${i}`);
    const tooMany = await call('PUT', `/v1/collections/${collection.id}/assets`, { assetIds: fifty });
    expect(tooMany.statusCode).toBe(400);
    expect(json(tooMany).message).toMatch(/49/);
    // Deleting a collection keeps its assets; deleting an asset leaves the collection.
    await call('DELETE', `/v1/assets/${b.id}`);
    expect(json(await call('GET', `/v1/collections/${collection.id}`)).collection.assetCount).toBe(0);
  });

  it.skipIf(target.skipReason)("refuses unknown assets, other teams' assets and bad bodies", async () => {
    const { collection } = json(await call('POST', '/v1/collections', { name: 'Mine' }));
    const theirs = await uploadImage(server, await uniquePng(2100), {}, { key: server.otherKey });
    const foreign = await call('PUT', `/v1/collections/${collection.id}/assets`, { assetIds: [theirs.id] });
    expect(foreign.statusCode).toBe(404);
    expect((await call('GET', `/v1/collections/${collection.id}`, undefined, server.otherKey)).statusCode).toBe(404);
    expect((await call('PUT', `/v1/collections/${collection.id}/assets`, { assetIds: [] })).statusCode).toBe(400);
    expect((await call('POST', '/v1/collections', {})).statusCode).toBe(400);
    expect((await call('POST', '/v1/collections', { name: '' })).statusCode).toBe(400);
    expect((await call('POST', '/v1/collections', { name: 'x', extra: 1 })).statusCode).toBe(400);
    expect((await call('PUT', '/v1/collections/collection_nope/assets', { assetIds: ['asset_x'] })).statusCode).toBe(404);
  });
});
