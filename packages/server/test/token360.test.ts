import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint, formData, uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, bearer, json, type Response, startTestServer, type TestServer } from './helpers/http.ts';
import { fixture, makeImage, uniquePng } from './helpers/images.ts';
import { listen } from './helpers/listen.ts';
import { makeWav } from './helpers/media.ts';

announceSkips();
const run = promisify(execFile);
const EXAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'spec-examples');
const GLB = path.join(EXAMPLES, 'media', 'model.glb');
const FORM_LIMIT = 3_000_000;

/** Every field of spec 003's unified record that assetd answers with. */
const RECORD_FIELDS = [
  'id',
  'assetId',
  'token360AssetId',
  'tenantId',
  'userId',
  'userName',
  'shared',
  'sharePermission',
  'shareExpiresAt',
  'assetGroupId',
  'groupName',
  'mediaType',
  'assetKind',
  'sourceType',
  'status',
  'name',
  'assetType',
  'filename',
  'originalFilename',
  'mimeType',
  'sizeBytes',
  'fileType',
  'width',
  'height',
  'aspectRatio',
  'durationSeconds',
  'frameRate',
  'providerLastError',
  'url',
  'thumbnailUrl',
  'expiresAt',
  'requestId',
  'modelName',
  'modelType',
  'byteplusAssetId',
  'providerRefs',
  'createdAt',
  'updatedAt',
].sort();

type Key = { id: string; secret: string };
type File = { name: string; data: Buffer; type?: string; field?: string };

/** The failure envelope, with the numeric code equal to the HTTP status. */
function expectFailure(response: Response, status: number, serviceCode: string) {
  expect(response.statusCode, response.body).toBe(status);
  const body = json(response);
  expect(body).toEqual({ code: status, data: null, msg: expect.any(String), serviceCode });
  expect(body.msg.length).toBeGreaterThan(10);
  return body;
}

describe.each(DATABASES)('token360 dialect on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, { ASSETD_MAX_FORM_UPLOAD_BYTES: String(FORM_LIMIT) });
  });
  afterAll(async () => server?.dispose());

  const upload = (fields: Record<string, string>, file?: File, key: Key = server.key, query = '') => {
    const form = formData(fields, file);
    return server.app.inject({
      method: 'POST',
      url: `/token360/v1/assets${query}`,
      headers: { authorization: bearer(key), 'content-type': form.contentType },
      payload: form.payload,
    });
  };
  const get = (url: string, key: Key = server.key) => server.app.inject({ method: 'GET', url, headers: { authorization: bearer(key) } });
  const pngFile = async (seed: number): Promise<File> => ({ name: `image-${seed}.png`, data: await uniquePng(seed), type: 'image/png' });

  /** A collection made through the scenario dialect: the same thing as an asset group. */
  async function createCollection(name: string, key: Key = server.key): Promise<string> {
    const response = await server.app.inject({
      method: 'POST',
      url: '/v1/collections',
      headers: { authorization: basic(key) },
      payload: { name },
    });
    return json(response).collection.id;
  }

  describe("spec 003's curl example", () => {
    let baseUrl: string;
    let workDir: string;
    beforeAll(async () => {
      if (target.skipReason) return;
      baseUrl = await listen(server);
      workDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-token360-'));
    });
    afterAll(async () => {
      if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    it.skipIf(target.skipReason)('runs verbatim with only the host and the key changed', async () => {
      const image = await makeImage('png', 64, 48, { alpha: true, seed: 360 });
      await writeFile(path.join(workDir, 'your-file.png'), image);
      const source = (await readFile(path.join(EXAMPLES, 'token360_upload_asset.sh'), 'utf8'))
        .replaceAll('https://api.token360.ai', `${baseUrl}/token360`)
        .replaceAll('sk-your-api-key', server.key.secret);
      const script = path.join(workDir, 'upload.sh');
      await writeFile(script, source);
      const { stdout } = await run('bash', [script], { cwd: workDir, timeout: 30_000 });
      const body = JSON.parse(stdout);
      expect(body).toMatchObject({ code: 0, msg: 'Asset uploaded successfully', serviceCode: null });
      expect(body.data).toMatchObject({
        assetGroupId: 'library',
        groupName: 'library',
        name: 'avatar.png',
        filename: 'avatar.png',
        status: 'active',
        assetKind: 'UPLOAD',
        mediaType: 'image/png',
        mimeType: 'image/png',
        sourceType: 'UNIFIED',
        fileType: 'png',
        sizeBytes: image.length,
        width: 64,
        height: 48,
        aspectRatio: '4:3',
      });
      expect(body.data.assetId).toMatch(/^asset_/);
      expect(body.data.url.startsWith(`${baseUrl}/files/`)).toBe(true);
      const file = await fetch(body.data.url);
      expect(Buffer.from(await file.arrayBuffer()).equals(image)).toBe(true);
    });

    it.skipIf(target.skipReason)('streams a form file larger than the small-image limit through curl', { timeout: 30_000 }, async () => {
      const wav = makeWav(2_500_000, 7);
      await writeFile(path.join(workDir, 'long.wav'), wav);
      const { stdout } = await run(
        'curl',
        ['-sS', '-X', 'POST', `${baseUrl}/token360/v1/assets`, '-H', `Authorization: Bearer ${server.key.secret}`, '-F', 'file=@long.wav'],
        { cwd: workDir, timeout: 30_000 },
      );
      const body = JSON.parse(stdout);
      expect(body.code, stdout).toBe(0);
      expect(body.data).toMatchObject({ assetType: 'audio', mimeType: 'audio/wav', sizeBytes: wav.length, name: 'long.wav' });
    });

    it.skipIf(target.skipReason)('answers a file over the form limit with ASSET_FILE_TOO_LARGE through curl', async () => {
      await writeFile(path.join(workDir, 'huge.wav'), makeWav(FORM_LIMIT + 100_000, 8));
      const before = await footprint(server);
      const { stdout } = await run(
        'curl',
        ['-sS', '-X', 'POST', `${baseUrl}/token360/v1/assets`, '-H', `Authorization: Bearer ${server.key.secret}`, '-F', 'file=@huge.wav'],
        { cwd: workDir, timeout: 30_000 },
      );
      expect(JSON.parse(stdout)).toMatchObject({ code: 413, data: null, serviceCode: 'ASSET_FILE_TOO_LARGE' });
      expect(await footprint(server)).toEqual(before);
    });
  });

  describe('uploads', () => {
    it.skipIf(target.skipReason)('answers with every field of the unified record', async () => {
      const image = await makeImage('png', 160, 90, { seed: 1 });
      const response = await upload({ name: 'wide', groupId: 'library' }, { name: 'wide.png', data: image });
      expect(response.statusCode, response.body).toBe(200);
      const body = json(response);
      expect(Object.keys(body).sort()).toEqual(['code', 'data', 'msg', 'serviceCode']);
      const { data } = body;
      expect(Object.keys(data).sort()).toEqual(RECORD_FIELDS);
      expect(data).toMatchObject({
        id: data.assetId,
        token360AssetId: data.assetId,
        tenantId: server.key.teamId,
        userId: server.key.id,
        userName: server.key.name,
        shared: false,
        sharePermission: null,
        shareExpiresAt: null,
        assetGroupId: 'library',
        groupName: 'library',
        assetType: 'image',
        name: 'wide',
        width: 160,
        height: 90,
        aspectRatio: '16:9',
        durationSeconds: null,
        frameRate: null,
        originalFilename: 'wide.png',
        expiresAt: null,
        providerRefs: null,
      });
      expect(data.thumbnailUrl).toContain('/files/');
      expect(data.createdAt).toBe(data.updatedAt);
    });

    it.skipIf(target.skipReason)('takes audio, a 3D model and video, named after the file when no name is given', async () => {
      const wav = makeWav(50_000, 2);
      const glb = await readFile(GLB);
      const mp4 = await readFile(path.join(EXAMPLES, 'media', 'video.mp4'));
      const cases: Array<[File, string, string, string]> = [
        [{ name: 'tone.wav', data: wav }, 'audio', 'audio/wav', 'wav'],
        [{ name: 'model.glb', data: glb }, '3d', 'model/gltf-binary', 'glb'],
        [{ name: 'clip.mp4', data: mp4 }, 'video', 'video/mp4', 'mp4'],
      ];
      for (const [file, assetType, mimeType, fileType] of cases) {
        const response = await upload({}, file);
        expect(response.statusCode, response.body).toBe(200);
        const { data } = json(response);
        expect(data).toMatchObject({ assetType, mimeType, mediaType: mimeType, fileType, name: file.name, sizeBytes: file.data.length });
        // The record reports what the core measured, under the spec's names.
        const core = json(
          await server.app.inject({ method: 'GET', url: `/v1/assets/${data.assetId}`, headers: { authorization: basic(server.key) } }),
        ).asset;
        expect(data.durationSeconds).toBe(core.properties.duration ?? null);
        expect(data.frameRate).toBe(core.properties.frameRate ?? null);
        expect(data.width).toBe(core.metadata.width ?? null);
      }
    });

    it.skipIf(target.skipReason)('puts the upload in the group given by id, by assetGroupId, or by the library collection id', async () => {
      const groupId = await createCollection('moodboard');
      const byGroupId = json(await upload({ groupId }, await pngFile(3))).data;
      expect(byGroupId).toMatchObject({ assetGroupId: groupId, groupName: 'moodboard' });
      const byAssetGroupId = json(await upload({ assetGroupId: groupId }, await pngFile(4))).data;
      expect(byAssetGroupId).toMatchObject({ assetGroupId: groupId, groupName: 'moodboard' });
      const libraryId = server.container.collections.defaultId({ projectId: server.key.projectId, authorId: server.key.id });
      const byLibraryId = json(await upload({ groupId: (await libraryId) as string }, await pngFile(5))).data;
      expect(byLibraryId.assetGroupId).toBe('library');
    });

    it.skipIf(target.skipReason)('accepts the spec\'s "model" field (assetd has no provider validation to give it to)', async () => {
      const response = await upload({ name: 'portrait', model: 'RealFace' }, await pngFile(6));
      expect(response.statusCode, response.body).toBe(200);
    });
  });

  describe('every serviceCode the core can produce, leaving nothing behind', () => {
    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      ['no file', () => upload({ name: 'x', groupId: 'library' }), 400, 'UNIFIED_ASSET_FILE_REQUIRED'],
      ['a text field called file', () => upload({ file: 'hello' }), 400, 'UNIFIED_ASSET_FILE_REQUIRED'],
      ['no file on the provider path', () => upload({ assetGroupId: '42' }), 400, 'ASSET_FILE_REQUIRED'],
      [
        'a JSON body',
        () =>
          server.app.inject({
            method: 'POST',
            url: '/token360/v1/assets',
            headers: { authorization: bearer(server.key), 'content-type': 'application/json' },
            payload: { file: 'aGVsbG8=' },
          }),
        415,
        'UNIFIED_ASSET_FILE_REQUIRED',
      ],
      [
        'a text/plain body',
        () =>
          server.app.inject({
            method: 'POST',
            url: '/token360/v1/assets',
            headers: { authorization: bearer(server.key), 'content-type': 'text/plain' },
            payload: 'hello',
          }),
        415,
        'UNIFIED_ASSET_FILE_REQUIRED',
      ],
      [
        'a file over the limit',
        async () => upload({}, { name: 'big.wav', data: makeWav(FORM_LIMIT + 1000, 3) }),
        413,
        'ASSET_FILE_TOO_LARGE',
      ],
      ['text', async () => upload({}, { name: 'notes.png', data: fixture('not-an-image.txt') }), 422, 'ASSET_FILE_TYPE_UNSUPPORTED'],
      ['a truncated PNG', async () => upload({}, { name: 't.png', data: fixture('truncated.png') }), 422, 'ASSET_FILE_TYPE_UNSUPPORTED'],
      ['random bytes', async () => upload({}, { name: 'r.bin', data: Buffer.alloc(4096, 7) }), 422, 'ASSET_FILE_TYPE_UNSUPPORTED'],
      ['an empty groupId', async () => upload({ groupId: '' }, await pngFile(10)), 400, 'UNIFIED_ASSET_GROUP_REQUIRED'],
      ['an empty assetGroupId', async () => upload({ assetGroupId: ' ' }, await pngFile(11)), 400, 'UNIFIED_ASSET_GROUP_REQUIRED'],
      [
        'an unknown groupId',
        async () => upload({ groupId: 'collection_000000000000000000000000' }, await pngFile(12)),
        404,
        'UNIFIED_ASSET_GROUP_NOT_FOUND',
      ],
      ['an unknown assetGroupId', async () => upload({ assetGroupId: '42' }, await pngFile(13)), 404, 'ASSET_GROUP_NOT_FOUND'],
      ['a legacy provider groupId', async () => upload({ groupId: 'legacy_rf_17' }, await pngFile(14)), 404, 'ASSET_GROUP_NOT_FOUND'],
      [
        "another team's group",
        async () => upload({ groupId: await createCollection('theirs', server.otherKey) }, await pngFile(15)),
        404,
        'UNIFIED_ASSET_GROUP_NOT_FOUND',
      ],
      [
        "another team's group as assetGroupId",
        async () => upload({ assetGroupId: await createCollection('theirs too', server.otherKey) }, await pngFile(16)),
        404,
        'ASSET_GROUP_NOT_FOUND',
      ],
      ['two different groups', async () => upload({ groupId: 'library', assetGroupId: '42' }, await pngFile(17)), 400, 'VALIDATION_ERROR'],
      ['an unknown field', async () => upload({ tags: 'a' }, await pngFile(18)), 400, 'VALIDATION_ERROR'],
      ['a file in another field', async () => upload({}, { ...(await pngFile(19)), field: 'image' }), 400, 'VALIDATION_ERROR'],
      ['no credentials', async () => server.app.inject({ method: 'POST', url: '/token360/v1/assets' }), 401, 'UNAUTHORIZED'],
      ['a wrong key', async () => upload({}, await pngFile(20), { id: 'key_x', secret: 'sk_wrong' }), 401, 'UNAUTHORIZED'],
    ];
    for (const [what, send, status, serviceCode] of cases) {
      it.skipIf(target.skipReason)(`${what}: ${status} ${serviceCode}`, async () => {
        // Groups (the library, other teams' collections) may be made on the way; assets and files may not.
        await server.container.collections.ensureDefault({ projectId: server.key.projectId, authorId: server.key.id });
        const before = await footprint(server);
        const response = await send();
        const body = expectFailure(response, status, serviceCode);
        if (status === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
        if (serviceCode.includes('NOT_FOUND')) expect(body.msg).not.toMatch(/team|project/i);
        expect(await footprint(server)).toEqual(before);
      });
    }
  });

  describe('reading back', () => {
    it.skipIf(target.skipReason)('GET /v1/assets/{assetId} answers the record in the envelope', async () => {
      const uploaded = json(await upload({ name: 'again' }, await pngFile(30))).data;
      const response = await get(`/token360/v1/assets/${uploaded.assetId}`);
      expect(response.statusCode).toBe(200);
      expect(json(response)).toEqual({ code: 0, data: uploaded, msg: 'success', serviceCode: null });
    });

    it.skipIf(target.skipReason)("an unknown asset, or another team's, is a 404 ASSET_NOT_FOUND", async () => {
      const mine = json(await upload({}, await pngFile(31))).data;
      expectFailure(await get('/token360/v1/assets/asset_000000000000000000000000'), 404, 'ASSET_NOT_FOUND');
      expectFailure(await get(`/token360/v1/assets/${mine.assetId}`, server.otherKey), 404, 'ASSET_NOT_FOUND');
    });

    it.skipIf(target.skipReason)('lists the assets newest first, a page at a time, and by group', async () => {
      const groupId = await createCollection('listed');
      const first = json(await upload({ groupId }, await pngFile(32))).data;
      const second = json(await upload({ groupId }, await pngFile(33))).data;
      const page1 = json(await get(`/token360/v1/assets?groupId=${groupId}&pageSize=1`));
      expect(page1).toMatchObject({ code: 0, serviceCode: null });
      expect(page1.data.items.map((a: { assetId: string }) => a.assetId)).toEqual([second.assetId]);
      const page2 = json(await get(`/token360/v1/assets?groupId=${groupId}&pageSize=1&paginationToken=${page1.data.nextPaginationToken}`));
      expect(page2.data.items).toEqual([first]);
      expect(page2.data.nextPaginationToken).toBeNull();
      const library = json(await get('/token360/v1/assets?groupId=library&pageSize=100')).data.items;
      expect(library.length).toBeGreaterThan(0);
      expect(library.every((a: { assetGroupId: string }) => a.assetGroupId === 'library')).toBe(true);
      expectFailure(await get('/token360/v1/assets?groupId=nope'), 404, 'UNIFIED_ASSET_GROUP_NOT_FOUND');
      expectFailure(await get('/token360/v1/assets?pageSize=0'), 400, 'VALIDATION_ERROR');
    });

    it.skipIf(target.skipReason)("another team's list holds none of this team's assets", async () => {
      await upload({}, await pngFile(34));
      const theirs = json(await get('/token360/v1/assets?pageSize=100', server.otherKey)).data.items;
      expect(theirs.every((a: { tenantId: string }) => a.tenantId === server.otherKey.teamId)).toBe(true);
      expect(theirs.some((a: { userId: string }) => a.userId === server.key.id)).toBe(false);
    });
  });

  describe('asset groups', () => {
    it.skipIf(target.skipReason)('lists the collections, the library among them, in the envelope', async () => {
      const groupId = await createCollection('listed group');
      const response = await get('/token360/v1/asset-groups?pageSize=100');
      expect(response.statusCode).toBe(200);
      const body = json(response);
      expect(body).toMatchObject({ code: 0, serviceCode: null, data: { nextPaginationToken: null } });
      const library = body.data.items.find((g: { id: string }) => g.id === 'library');
      expect(library).toMatchObject({ groupId: 'library', name: 'library', isDefault: true });
      expect(library.collectionId).toMatch(/^collection_/);
      expect(body.data.items.find((g: { id: string }) => g.id === groupId)).toMatchObject({ name: 'listed group', isDefault: false });
    });

    it.skipIf(target.skipReason)('a new project gets its library on first use, exactly once under concurrent requests', async () => {
      const key = await server.container.keys.create({ team: 'first team', project: `race-${Date.now()}` });
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          i % 2 === 0
            ? get('/token360/v1/asset-groups', key)
            : uniquePng(40 + i).then((data) => upload({}, { name: `r${i}.png`, data }, key)),
        ),
      );
      for (const response of responses) expect(response.statusCode, response.body).toBe(200);
      const collections = json(
        await server.app.inject({ method: 'GET', url: '/v1/collections', headers: { authorization: basic(key) } }),
      ).collections;
      expect(collections).toHaveLength(1);
      expect(collections[0]).toMatchObject({ name: 'library', assetCount: 4 });
    });

    it.skipIf(target.skipReason)('ensureDefault called concurrently makes one collection', async () => {
      const { projectId } = await server.container.keys.create({ team: 'first team', project: `direct-${Date.now()}` });
      const scope = { projectId, authorId: server.key.id };
      const results = await Promise.all(Array.from({ length: 20 }, () => server.container.collections.ensureDefault(scope)));
      expect(new Set(results.map((collection) => collection.id)).size).toBe(1);
      expect((await server.container.collections.list(scope, 100)).collections).toHaveLength(1);
    });

    it.skipIf(target.skipReason)("a token360 client's group flow: create, upload into it, deactivate, refused", async () => {
      // As the clients do it, over a socket with fetch and FormData.
      const base = `${await listen(server)}/token360`;
      const call = async (method: string, route: string, body?: unknown, key: Key = server.key) => {
        const response = await fetch(`${base}${route}`, {
          method,
          headers: {
            authorization: bearer(key),
            ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
        });
        // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
        return { status: response.status, body: (await response.json()) as any };
      };
      const uploadInto = async (groupId: string, seed: number) => {
        const form = new FormData();
        form.append('file', new Blob([await uniquePng(seed)], { type: 'image/png' }), `portrait-${seed}.png`);
        form.append('groupId', groupId);
        return call('POST', '/v1/assets', form);
      };

      const created = await call('POST', '/v1/asset-groups', {
        name: 'Ava',
        groupKind: 'VIRTUAL_PORTRAIT',
        description: 'reference shots',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      expect(created.body).toMatchObject({
        code: 0,
        serviceCode: null,
        data: { name: 'Ava', groupKind: 'VIRTUAL_PORTRAIT', description: 'reference shots', status: 'active', assetCount: 0 },
      });
      const { assetGroupId } = created.body.data;
      expect(assetGroupId).toMatch(/^collection_/);

      const uploaded = await uploadInto(assetGroupId, 60);
      expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
      expect(uploaded.body.data).toMatchObject({ assetGroupId, groupName: 'Ava' });
      let asset = uploaded.body.data;
      for (let i = 0; i < 100 && asset.status !== 'active'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        asset = (await call('GET', `/v1/assets/${asset.assetId}`)).body.data;
      }
      expect(asset.status).toBe('active');
      expect((await call('GET', `/v1/asset-groups/${assetGroupId}`)).body.data).toMatchObject({ assetCount: 1, status: 'active' });

      const deactivated = await call('PATCH', `/v1/asset-groups/${assetGroupId}`, { status: 'inactive' });
      expect(deactivated.body.data).toMatchObject({ status: 'inactive', groupKind: 'VIRTUAL_PORTRAIT', name: 'Ava' });
      const refused = await uploadInto(assetGroupId, 61);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 409, data: null, serviceCode: 'ASSET_GROUP_NOT_ACTIVE' });
      expect((await call('GET', `/v1/asset-groups/${assetGroupId}`)).body.data.assetCount).toBe(1);
      expect((await call('PATCH', `/v1/asset-groups/${assetGroupId}`, { status: 'active', name: 'Ava 2' })).body.data).toMatchObject({
        status: 'active',
        name: 'Ava 2',
      });
      expect((await uploadInto(assetGroupId, 62)).status).toBe(200);

      // Bad input: each refused in the envelope, nothing created.
      const before = (await call('GET', '/v1/asset-groups?pageSize=100')).body.data.items.length;
      const unsupported = await call('POST', '/v1/asset-groups', { name: 'x', groupKind: 'HOLOGRAM' });
      expect(unsupported).toMatchObject({ status: 400, body: { serviceCode: 'ASSET_GROUP_TYPE_UNSUPPORTED' } });
      expect(unsupported.body.msg).toMatch(/VIRTUAL_PORTRAIT/);
      expect((await call('POST', '/v1/asset-groups', { groupKind: 'GENERAL' })).status).toBe(400);
      expect((await call('POST', '/v1/asset-groups', { name: '   ' })).status).toBe(400);
      expect((await call('PATCH', `/v1/asset-groups/${assetGroupId}`, { status: 'paused' })).body).toMatchObject({
        code: 400,
        serviceCode: 'VALIDATION_ERROR',
      });
      expect((await call('PATCH', `/v1/asset-groups/${assetGroupId}`, { owner: 'me' })).status).toBe(400);
      expect((await call('PATCH', `/v1/asset-groups/${assetGroupId}`, {})).status).toBe(400);
      expect((await call('GET', '/v1/asset-groups?pageSize=100')).body.data.items.length).toBe(before);

      // Another team's group is not found, whatever they try.
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { status: 'inactive' }],
        ['DELETE', undefined],
      ] as const) {
        const foreign = await call(method, `/v1/asset-groups/${assetGroupId}`, body, server.otherKey);
        expect(foreign).toMatchObject({ status: 404, body: { serviceCode: 'ASSET_GROUP_NOT_FOUND' } });
      }

      expect((await call('DELETE', `/v1/asset-groups/${assetGroupId}`)).body.data).toEqual({ assetGroupId, deleted: true });
      expect((await call('GET', `/v1/asset-groups/${assetGroupId}`)).status).toBe(404);
      // Its assets stay in the project.
      expect((await call('GET', `/v1/assets/${asset.assetId}`)).status).toBe(200);
    });

    it.skipIf(target.skipReason)('a deleted library comes back, empty, under the same id', async () => {
      const key = await server.container.keys.create({ team: 'first team', project: `deleted-${Date.now()}` });
      const { collectionId } = json(await get('/token360/v1/asset-groups', key)).data.items[0];
      await server.app.inject({ method: 'DELETE', url: `/v1/collections/${collectionId}`, headers: { authorization: basic(key) } });
      const uploaded = json(await upload({ groupId: 'library' }, await pngFile(50), key)).data;
      expect(uploaded.assetGroupId).toBe('library');
      expect(json(await get('/token360/v1/asset-groups', key)).data.items).toEqual([
        expect.objectContaining({ id: 'library', collectionId, assetCount: 1 }),
      ]);
    });
  });

  describe('both dialects, one library', () => {
    it.skipIf(target.skipReason)('an upload through token360 is an asset of /v1, in the library collection', async () => {
      const uploaded = json(await upload({ name: 'seen in v1' }, await pngFile(60))).data;
      const response = await server.app.inject({
        method: 'GET',
        url: `/v1/assets/${uploaded.assetId}`,
        headers: { authorization: basic(server.key) },
      });
      expect(response.statusCode).toBe(200);
      const { asset } = json(response);
      const libraryId = await server.container.collections.defaultId({ projectId: server.key.projectId, authorId: server.key.id });
      expect(asset).toMatchObject({ id: uploaded.assetId, kind: 'image', metadata: { name: 'seen in v1' }, collectionIds: [libraryId] });
    });

    it.skipIf(target.skipReason)('an upload through /v1 is a unified record of token360, in no group', async () => {
      const asset = await uploadImage(server, await uniquePng(61), { name: 'seen in token360' });
      const response = await get(`/token360/v1/assets/${asset.id}`);
      expect(response.statusCode).toBe(200);
      expect(json(response).data).toMatchObject({
        assetId: asset.id,
        name: 'seen in token360',
        assetGroupId: null,
        groupName: null,
        mimeType: 'image/png',
        createdAt: asset.createdAt,
      });
    });
  });

  describe('the envelope for everything inside the prefix', () => {
    it.skipIf(target.skipReason)('an unknown route is a 404 NOT_FOUND envelope; outside the prefix the /v1 error shape stays', async () => {
      expectFailure(await get('/token360/v1/nothing-here'), 404, 'NOT_FOUND');
      expectFailure(await server.app.inject({ method: 'GET', url: '/token360/v1/asset-groups' }), 401, 'UNAUTHORIZED');
      const outside = await server.app.inject({ method: 'GET', url: '/v1/assets/asset_000000000000000000000000' });
      expect(json(outside)).toMatchObject({ code: 'UNAUTHORIZED', requestId: expect.any(String) });
    });
  });
});

describe('ASSETD_TOKEN360_PREFIX', () => {
  const target = DATABASES[0];
  it.skipIf(!target || target.skipReason)('moves the dialect, or turns it off when empty', async () => {
    if (!target) return;
    const moved = await startTestServer(target, { ASSETD_TOKEN360_PREFIX: '/compat/t360' });
    try {
      const form = formData({}, { name: 'a.png', data: await uniquePng(70) });
      const response = await moved.app.inject({
        method: 'POST',
        url: '/compat/t360/v1/assets',
        headers: { authorization: bearer(moved.key), 'content-type': form.contentType },
        payload: form.payload,
      });
      expect(json(response)).toMatchObject({ code: 0, data: { assetGroupId: 'library' } });
      expect((await moved.app.inject({ method: 'GET', url: '/token360/v1/asset-groups' })).statusCode).toBe(404);
    } finally {
      await moved.dispose();
    }
    const off = await startTestServer(target, { ASSETD_TOKEN360_PREFIX: '' });
    try {
      const response = await off.app.inject({
        method: 'GET',
        url: '/token360/v1/asset-groups',
        headers: { authorization: bearer(off.key) },
      });
      expect(response.statusCode).toBe(404);
      expect(json(response)).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await off.dispose();
    }
  });
});
