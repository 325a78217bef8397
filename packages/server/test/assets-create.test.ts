import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint, formData, postForm, uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, bearer, json, startTestServer, type TestServer } from './helpers/http.ts';
import { fixture, makeImage, svg } from './helpers/images.ts';
import { listen } from './helpers/listen.ts';

announceSkips();

describe.each(DATABASES)('POST /v1/assets on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, { ASSETD_MAX_IMAGE_BYTES: '200000' });
  });
  afterAll(async () => server?.dispose());

  const post = (payload: unknown, headers: Record<string, string> = {}, query = '') =>
    server.app.inject({
      method: 'POST',
      url: `/v1/assets${query}`,
      headers: { authorization: basic(server.key), 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  it.skipIf(target.skipReason)('stores a base64 PNG and answers with the spec fields', async () => {
    const png = await makeImage('png', 64, 48, { alpha: true, seed: 1 });
    const response = await post({ image: png.toString('base64'), name: 'my_image_base64_upload' });
    expect(response.statusCode).toBe(200);
    const { asset } = json(response);
    expect(asset.id).toMatch(/^asset_[0-9A-Za-z]{24}$/);
    expect(asset).toMatchObject({
      mimeType: 'image/png',
      metadata: { type: 'uploaded', name: 'my_image_base64_upload', kind: 'image', width: 64, height: 48, size: png.length },
      properties: { width: 64, height: 48, size: png.length },
      kind: 'image',
      source: 'uploaded',
      ownerId: server.key.projectId,
      authorId: server.key.id,
      privacy: 'private',
      tags: [],
      collectionIds: [],
      status: 'success',
    });
    expect(asset.ownerId).toMatch(/^proj_/);
    expect(asset.editCapabilities).toContain('REMOVE_BACKGROUND');
    expect(asset.createdAt).toBe(asset.updatedAt);
    expect(new Date(asset.createdAt).toISOString()).toBe(asset.createdAt);
    expect(asset.thumbnail.url).toContain('/files/');
    const file = await server.app.inject({ method: 'GET', url: new URL(asset.url).pathname + new URL(asset.url).search });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(png)).toBe(true);
    const thumb = await server.app.inject({
      method: 'GET',
      url: new URL(asset.thumbnail.url).pathname + new URL(asset.thumbnail.url).search,
    });
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect(thumb.rawPayload.subarray(8, 12).toString()).toBe('WEBP');
  });

  it.skipIf(target.skipReason)('accepts a data URL and Bearer auth with the secret', async () => {
    const jpeg = await makeImage('jpeg', 20, 10, { seed: 2 });
    const response = await post(
      { image: `data:image/jpeg;base64,${jpeg.toString('base64')}`, name: 'd' },
      { authorization: bearer(server.key) },
    );
    expect(response.statusCode).toBe(200);
    expect(json(response).asset).toMatchObject({ mimeType: 'image/jpeg', properties: { width: 10 * 2, height: 10 } });
  });

  it.skipIf(target.skipReason)('accepts canvas when image is absent', async () => {
    const png = await makeImage('png', 5, 5, { seed: 3 });
    const response = await post({ canvas: png.toString('base64'), name: 'canvas' });
    expect(response.statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('identifies every supported format from its bytes, not its name', async () => {
    const cases: Array<[Buffer, string, number, number, boolean]> = [
      [await makeImage('gif', 12, 9, { seed: 4 }), 'image/gif', 12, 9, true],
      [await makeImage('webp', 13, 9, { seed: 5 }), 'image/webp', 13, 9, true],
      [await makeImage('avif', 16, 10, { seed: 6 }), 'image/avif', 16, 10, true],
      [await makeImage('tiff', 15, 9, { seed: 7 }), 'image/tiff', 15, 9, true],
      [svg(120, 80), 'image/svg+xml', 120, 80, true],
      [fixture('image.heic'), 'image/heic', 64, 48, true],
    ];
    for (const [bytes, mimeType, width, height, hasThumbnail] of cases) {
      const response = await post({ image: bytes.toString('base64'), name: 'misleading.png' });
      expect(response.statusCode, `${mimeType}: ${response.body}`).toBe(200);
      const { asset } = json(response);
      expect(asset).toMatchObject({ mimeType, properties: { width, height } });
      expect(Boolean(asset.thumbnail), mimeType).toBe(hasThumbnail);
    }
  });

  it.skipIf(target.skipReason)('takes multipart/form-data with a file field', async () => {
    const png = await makeImage('png', 30, 20, { seed: 8 });
    const form = formData({ name: 'from a form', hide: 'true' }, { name: 'x.png', data: png });
    const response = await postForm(server, form);
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response).asset).toMatchObject({
      metadata: { name: 'from a form' },
      properties: { width: 30, height: 20 },
      isHidden: true,
    });
  });

  it.skipIf(target.skipReason)('names a form upload after its file when no name is given', async () => {
    const form = formData({}, { name: 'named-by-file.png', data: await makeImage('png', 3, 3, { seed: 9 }) });
    const response = await postForm(server, form);
    expect(json(response).asset.metadata.name).toBe('named-by-file.png');
  });

  it.skipIf(target.skipReason)('links a child to its parent and root', async () => {
    const root = await uploadImage(server, await makeImage('png', 4, 4, { seed: 10 }));
    const child = await uploadImage(server, await makeImage('png', 4, 5, { seed: 11 }), { parentId: root.id });
    const grandchild = await uploadImage(server, await makeImage('png', 4, 6, { seed: 12 }), { parentId: child.id });
    expect(child.metadata).toMatchObject({ parentId: root.id, rootParentId: root.id });
    expect(grandchild.metadata).toMatchObject({ parentId: child.id, rootParentId: root.id });
  });

  it.skipIf(target.skipReason)('adds the new asset to the collections given', async () => {
    const created = await server.app.inject({
      method: 'POST',
      url: '/v1/collections',
      headers: { authorization: basic(server.key) },
      payload: { name: 'refs' },
    });
    const collectionId = json(created).collection.id;
    const asset = await uploadImage(server, await makeImage('png', 6, 6, { seed: 13 }), { collectionIds: [collectionId] });
    expect(asset.collectionIds).toEqual([collectionId]);
  });

  describe('bad input is refused and leaves nothing behind', () => {
    const cases: Array<[string, () => Promise<{ payload: unknown; headers?: Record<string, string> }>, number, string | RegExp]> = [
      ['neither image nor canvas', async () => ({ payload: { name: 'x' } }), 400, "Either 'image' or 'canvas' must be provided"],
      ['an empty image', async () => ({ payload: { name: 'x', image: '' } }), 400, "Either 'image' or 'canvas' must be provided"],
      [
        'bytes that are not an image',
        async () => ({ payload: { name: 'x', image: Buffer.from('hello world').toString('base64') } }),
        400,
        'Unhandled image format',
      ],
      ['invalid base64', async () => ({ payload: { name: 'x', image: 'not*base64!' } }), 400, /not valid base64/],
      ['no name', async () => ({ payload: { image: (await makeImage('png', 2, 2)).toString('base64') } }), 400, /'name' is required/],
      ['a name of the wrong type', async () => ({ payload: { image: 'AAAA', name: 42 } }), 400, 'body.name must be string'],
      ['hide of the wrong type', async () => ({ payload: { image: 'AAAA', name: 'x', hide: 'yes' } }), 400, 'body.hide must be boolean'],
      ['malformed JSON', async () => ({ payload: '{"image": ' }), 400, /Malformed JSON/],
      ['a JSON array', async () => ({ payload: '[]' }), 400, /body must be object/],
      [
        'an unknown parent',
        async () => ({ payload: { name: 'x', image: (await makeImage('png', 2, 3)).toString('base64'), parentId: 'asset_nope' } }),
        404,
        /Parent asset "asset_nope" was not found/,
      ],
      [
        'an unknown collection',
        async () => ({ payload: { name: 'x', image: (await makeImage('png', 3, 2)).toString('base64'), collectionIds: ['collection_x'] } }),
        404,
        /Collection "collection_x" was not found/,
      ],
      [
        'an image of the size limit',
        async () => ({ payload: { name: 'x', image: Buffer.alloc(200_000, 1).toString('base64') } }),
        413,
        /must be uploaded with POST \/v1\/uploads/,
      ],
      [
        'a body far over the limit',
        async () => ({ payload: { name: 'x', image: Buffer.alloc(400_000, 1).toString('base64') } }),
        413,
        /must be uploaded with POST \/v1\/uploads/,
      ],
      [
        'a truncated PNG',
        async () => ({ payload: { name: 'x', image: fixture('truncated.png').toString('base64') } }),
        422,
        /corrupt or truncated/,
      ],
      [
        'an unsupported content type',
        async () => ({ payload: 'image=abc', headers: { 'content-type': 'text/plain' } }),
        415,
        /Unsupported Content-Type/,
      ],
    ];
    it.skipIf(target.skipReason).each(cases)('%s', async (_label, make, status, message) => {
      const before = await footprint(server);
      const { payload, headers } = await make();
      const response = await post(payload, headers);
      expect(response.statusCode, response.body).toBe(status);
      const body = json(response);
      expect(body.message).toMatch(message);
      expect(body.requestId).toBe(response.headers['x-request-id']);
      expect(await footprint(server)).toEqual(before);
    });

    it.skipIf(target.skipReason)('a form file over the limit is cut off as it streams', async () => {
      const before = await footprint(server);
      const form = formData({ name: 'big' }, { name: 'big.png', data: Buffer.alloc(300_000, 7) });
      const response = await postForm(server, form);
      expect(response.statusCode).toBe(413);
      expect(json(response).message).toMatch(/POST \/v1\/uploads/);
      expect(await footprint(server)).toEqual(before);
    });

    it.skipIf(target.skipReason)('an oversized form over a real connection is answered 413 and the connection closed', async () => {
      const { execFile } = await import('node:child_process');
      const { promisify } = await import('node:util');
      const { writeFile, mkdtemp, rm } = await import('node:fs/promises');
      const os = await import('node:os');
      const path = await import('node:path');
      const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-big-'));
      try {
        const big = path.join(dir, 'big.png');
        await writeFile(big, Buffer.alloc(2 * 1024 * 1024, 7));
        const base = await listen(server);
        const { stdout } = await promisify(execFile)('curl', [
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code} %{num_connects}',
          '-u',
          `${server.key.id}:${server.key.secret}`,
          '-F',
          `file=@${big}`,
          '-F',
          'name=big',
          `${base}/v1/assets`,
        ]);
        expect(stdout.split(' ')[0]).toBe('413');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      // Were the half-read connection left open, closing the server in afterAll would hang.
    });

    it.skipIf(target.skipReason)('a form without a file, or with an unknown field, is refused', async () => {
      for (const form of [formData({ name: 'x' }), formData({ name: 'x', surprise: '1' }, { name: 'a.png', data: Buffer.from('x') })]) {
        const response = await postForm(server, form);
        expect(response.statusCode).toBe(400);
      }
      expect((await footprint(server)).temp).toBe(0);
    });
  });

  it.skipIf(target.skipReason)('stores identical bytes once and shares them', async () => {
    const png = await makeImage('png', 33, 33, { seed: 14 });
    const before = await footprint(server);
    const a = await uploadImage(server, png);
    const b = await uploadImage(server, png);
    expect(a.id).not.toBe(b.id);
    const after = await footprint(server);
    expect(after.assets - before.assets).toBe(2);
    expect(after.files - before.files).toBe(2); // the image and its thumbnail, once each
    expect(after.objects - before.objects).toBe(2);
  });

  it.skipIf(target.skipReason)('works in another project of the team chosen by projectId', async () => {
    const second = await server.container.keys.create({ team: server.key.teamId, project: 'second project' });
    const asset = await uploadImage(server, await makeImage('png', 7, 7, { seed: 15 }), {}, { query: `?projectId=${second.projectId}` });
    expect(asset.ownerId).toBe(second.projectId);
    const inDefault = await server.app.inject({
      method: 'GET',
      url: `/v1/assets/${asset.id}`,
      headers: { authorization: basic(server.key) },
    });
    expect(inDefault.statusCode).toBe(404);
    const inSecond = await server.app.inject({
      method: 'GET',
      url: `/v1/assets/${asset.id}?projectId=${second.projectId}`,
      headers: { authorization: basic(server.key) },
    });
    expect(inSecond.statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)("refuses another team's project as if it did not exist", async () => {
    const response = await post(
      { image: (await makeImage('png', 2, 2)).toString('base64'), name: 'x' },
      {},
      `?projectId=${server.otherKey.projectId}`,
    );
    expect(response.statusCode).toBe(404);
    expect(json(response).code).toBe('PROJECT_NOT_FOUND');
  });
});
