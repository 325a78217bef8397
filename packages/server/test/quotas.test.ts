import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedKey } from '../src/auth/keys.ts';
import { footprint, formData, uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, bearer, json, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';
import { uploadMultipart, waitForUpload } from './helpers/uploads.ts';

announceSkips();

const WAV_UPLOAD = { fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1 };

describe.each(DATABASES)('project quotas on $name', (target) => {
  let server: TestServer;
  // A loopback origin for URL imports, whose size is known only once downloaded.
  let origin: Server;
  let importUrl: string;
  let served: Buffer;
  beforeAll(async () => {
    if (target.skipReason) return;
    served = await uniquePng(30);
    origin = createServer((_request, response) => response.end(served));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(origin.address() as AddressInfo).port}`;
    importUrl = `http://${host}/image.png`;
    server = await startTestServer(target, { ASSETD_IMPORT_ALLOWED_HOSTS: host }, { jobs: true });
  });
  afterAll(async () => {
    await server?.dispose();
    await new Promise((resolve) => (origin ? origin.close(resolve) : resolve(undefined)));
  });

  let projects = 0;
  /** A key of a fresh project of the first team, with the given limits of its own. */
  async function project(limits: { maxBytes?: number; maxAssets?: number } = {}): Promise<CreatedKey> {
    const key = await server.container.keys.create({ team: 'first team', project: `quota-${++projects}` });
    await server.container.quotas.setOverride(key.projectId, { maxBytes: limits.maxBytes ?? null, maxAssets: limits.maxAssets ?? null });
    return key;
  }
  const usage = async (key: CreatedKey, projectId = key.projectId) =>
    server.app.inject({ method: 'GET', url: `/v1/projects/${projectId}/usage`, headers: { authorization: basic(key) } });
  const usageOf = async (key: CreatedKey) => json(await usage(key)).usage;
  const postImage = (key: CreatedKey, image: Buffer) =>
    server.app.inject({
      method: 'POST',
      url: '/v1/assets',
      headers: { authorization: basic(key) },
      payload: { image: image.toString('base64'), name: 'image.png' },
    });
  const createUpload = (key: CreatedKey, fileSize: number) =>
    server.app.inject({ method: 'POST', url: '/v1/uploads', headers: { authorization: basic(key) }, payload: { ...WAV_UPLOAD, fileSize } });
  const deleteAsset = (key: CreatedKey, id: string) =>
    server.app.inject({ method: 'DELETE', url: `/v1/assets/${id}`, headers: { authorization: basic(key) } });
  const uploadRows = async (projectId: string) =>
    Number(
      (
        await server.container.db.kysely
          .selectFrom('uploads')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('project_id', '=', projectId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.skipIf(target.skipReason)("GET /v1/projects/{id}/usage reports usage and limits, to the project's own team only", async () => {
    const key = await project({ maxAssets: 5 });
    const asset = await uploadImage(server, await uniquePng(1), {}, { key });
    const own = await usage(key);
    expect(own.statusCode).toBe(200);
    expect(json(own).usage).toEqual({
      projectId: key.projectId,
      bytes: asset.metadata.size,
      assets: 1,
      reservedBytes: 0,
      reservedAssets: 0,
      limits: { maxBytes: null, maxAssets: 5 },
    });
    // Another team's key: the project does not exist for it.
    const other = await usage(server.otherKey, key.projectId);
    expect(other.statusCode).toBe(404);
    expect(json(other).code).toBe('PROJECT_NOT_FOUND');
    const anonymous = await server.app.inject({ method: 'GET', url: `/v1/projects/${key.projectId}/usage` });
    expect(anonymous.statusCode).toBe(401);
  });

  it.skipIf(target.skipReason)('a project at its asset count is refused with 413 QUOTA_EXCEEDED, and nothing is left behind', async () => {
    const key = await project({ maxAssets: 2 });
    await uploadImage(server, await uniquePng(2), {}, { key });
    await uploadImage(server, await uniquePng(3), {}, { key });
    const before = await footprint(server);
    const refused = await postImage(key, await uniquePng(4));
    expect(refused.statusCode).toBe(413);
    const body = json(refused);
    expect(body.code).toBe('QUOTA_EXCEEDED');
    expect(body.message).toContain('asset quota is 2 assets and it has 2');
    expect(body.details).toMatchObject({ quota: 'assets', limit: 2, used: 2 });
    expect(typeof body.requestId).toBe('string');
    expect(await footprint(server)).toEqual(before);
    // A multipart upload takes an asset too: refused at creation, before storage is asked for anything.
    const multipart = await createUpload(key, 100);
    expect(multipart.statusCode).toBe(413);
    expect(await uploadRows(key.projectId)).toBe(0);
  });

  it.skipIf(target.skipReason)('stored bytes: refused past the limit, identical bytes counted once, freed by deleting', async () => {
    const first = await uniquePng(5);
    const second = await uniquePng(6);
    const key = await project({ maxBytes: first.length + second.length - 1 });
    const a = await uploadImage(server, first, {}, { key });
    // The same bytes again: a second asset, no more bytes (stored once).
    const b = await uploadImage(server, first, {}, { key });
    expect(await usageOf(key)).toMatchObject({ bytes: first.length, assets: 2 });
    const refused = await postImage(key, second);
    expect(refused.statusCode).toBe(413);
    expect(json(refused).details).toMatchObject({ quota: 'bytes', used: first.length, requested: second.length });
    expect(json(refused).message).toContain(`storage quota is ${first.length + second.length - 1} bytes`);
    // Deleting one of the two keeps the file (the other still uses it); deleting both frees it.
    expect((await deleteAsset(key, a.id)).statusCode).toBe(200);
    expect(await usageOf(key)).toMatchObject({ bytes: first.length, assets: 1 });
    expect((await postImage(key, second)).statusCode).toBe(413);
    expect((await deleteAsset(key, b.id)).statusCode).toBe(200);
    expect(await usageOf(key)).toMatchObject({ bytes: 0, assets: 0 });
    expect((await postImage(key, second)).statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('a multipart upload reserves its declared size until it is aborted', async () => {
    const key = await project({ maxBytes: 1000 });
    const refused = await createUpload(key, 1001);
    expect(refused.statusCode).toBe(413);
    expect(json(refused).details).toMatchObject({ quota: 'bytes', limit: 1000, requested: 1001 });
    const created = await createUpload(key, 600);
    expect(created.statusCode).toBe(200);
    expect(await usageOf(key)).toMatchObject({ bytes: 0, reservedBytes: 600, reservedAssets: 1 });
    // 600 reserved: 500 more would pass 1000.
    expect((await createUpload(key, 500)).statusCode).toBe(413);
    const id = json(created).upload.id;
    const aborted = await server.app.inject({ method: 'DELETE', url: `/v1/uploads/${id}`, headers: { authorization: basic(key) } });
    expect(aborted.statusCode).toBe(200);
    expect(await usageOf(key)).toMatchObject({ reservedBytes: 0, reservedAssets: 0 });
    // Aborting twice gives nothing back twice.
    await server.app.inject({ method: 'DELETE', url: `/v1/uploads/${id}`, headers: { authorization: basic(key) } });
    expect(await usageOf(key)).toMatchObject({ reservedBytes: 0, reservedAssets: 0 });
    expect((await createUpload(key, 500)).statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('an imported upload turns its reservation into usage', async () => {
    const image = await uniquePng(7);
    const key = await project({ maxBytes: image.length });
    const { upload } = await uploadMultipart(server, image, { kind: 'image', contentType: 'image/png', key });
    expect(upload.status).toBe('imported');
    expect(await usageOf(key)).toMatchObject({ bytes: image.length, assets: 1, reservedBytes: 0, reservedAssets: 0 });
    expect((await createUpload(key, 1)).statusCode).toBe(413);
  });

  it.skipIf(target.skipReason)('a URL import reserves an asset at creation and its bytes once downloaded, or fails', async () => {
    const tight = await project({ maxBytes: served.length - 1 });
    const created = await server.app.inject({
      method: 'POST',
      url: '/v1/uploads',
      headers: { authorization: basic(tight) },
      payload: { url: importUrl, kind: 'image' },
    });
    expect(created.statusCode).toBe(200);
    const { upload } = await waitForUpload(server, json(created).upload.id, tight);
    expect(upload.status).toBe('failed');
    expect(upload.errorMessage).toContain('The downloaded file does not fit');
    expect(upload.errorMessage).toContain(`storage quota is ${served.length - 1} bytes`);
    expect(await usageOf(tight)).toMatchObject({ bytes: 0, assets: 0, reservedBytes: 0, reservedAssets: 0 });

    const room = await project({ maxBytes: served.length });
    const fits = await server.app.inject({
      method: 'POST',
      url: '/v1/uploads',
      headers: { authorization: basic(room) },
      payload: { url: importUrl, kind: 'image' },
    });
    expect((await waitForUpload(server, json(fits).upload.id, room)).upload.status).toBe('imported');
    expect(await usageOf(room)).toMatchObject({ bytes: served.length, assets: 1, reservedBytes: 0, reservedAssets: 0 });
  });

  it.skipIf(target.skipReason)('concurrent creations racing for the last room: exactly one wins', async () => {
    const slot = await project({ maxAssets: 1 });
    const bySlot = await Promise.all(Array.from({ length: 8 }, () => createUpload(slot, 100)));
    expect(bySlot.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(bySlot.filter((r) => r.statusCode === 413)).toHaveLength(7);
    expect(await uploadRows(slot.projectId)).toBe(1);

    const room = await project({ maxBytes: 1000 });
    const byBytes = await Promise.all(Array.from({ length: 8 }, () => createUpload(room, 600)));
    expect(byBytes.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(await usageOf(room)).toMatchObject({ reservedBytes: 600, reservedAssets: 1 });

    const images = await project({ maxAssets: 1 });
    const pngs = await Promise.all([8, 9, 10, 11].map((seed) => uniquePng(seed)));
    const byImages = await Promise.all(pngs.map((png) => postImage(images, png)));
    expect(byImages.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(await usageOf(images)).toMatchObject({ assets: 1 });
  });

  it.skipIf(target.skipReason)('the token360 upload is refused in its envelope', async () => {
    const key = await project({ maxAssets: 0 });
    const form = formData({ groupId: 'library' }, { name: 'a.png', data: await uniquePng(12), type: 'image/png' });
    const before = await footprint(server);
    const response = await server.app.inject({
      method: 'POST',
      url: '/token360/v1/assets',
      headers: { authorization: bearer(key), 'content-type': form.contentType },
      payload: form.payload,
    });
    expect(response.statusCode).toBe(413);
    expect(json(response)).toMatchObject({ code: 413, data: null, serviceCode: 'QUOTA_EXCEEDED' });
    expect(json(response).msg).toContain('asset quota is 0 assets');
    expect(await footprint(server)).toEqual(before);
  });
});

describe.each(DATABASES)('default quotas on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, { ASSETD_QUOTA_MAX_ASSETS: '1', ASSETD_QUOTA_MAX_BYTES: '100000' });
  });
  afterAll(async () => server?.dispose());

  it.skipIf(target.skipReason)("apply to every project without its own; a project's own limit wins", async () => {
    await uploadImage(server, await uniquePng(20));
    const refused = await server.app.inject({
      method: 'POST',
      url: '/v1/uploads',
      headers: { authorization: basic(server.key) },
      payload: { ...WAV_UPLOAD, fileSize: 10 },
    });
    expect(refused.statusCode).toBe(413);
    expect(json(refused).details).toMatchObject({ quota: 'assets', limit: 1 });
    await server.container.quotas.setOverride(server.key.projectId, { maxBytes: null, maxAssets: 10 });
    const usage = await server.app.inject({
      method: 'GET',
      url: `/v1/projects/${server.key.projectId}/usage`,
      headers: { authorization: basic(server.key) },
    });
    expect(json(usage).usage.limits).toEqual({ maxBytes: 100000, maxAssets: 10 });
    await uploadImage(server, await uniquePng(21));
  });
});
