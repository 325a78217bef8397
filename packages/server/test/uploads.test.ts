import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PART_LINK_PURPOSE, partResource } from '../src/parts/receive-part.ts';
import { footprint } from './helpers/assets.ts';
import { announceSkips, DATABASES, STORAGES, storageEnv } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { makeImage } from './helpers/images.ts';
import { makeWav } from './helpers/media.ts';
import {
  completeUpload,
  createUpload,
  getUpload,
  jobsSettled,
  putPart,
  sendPart,
  uploadMultipart,
  waitForUpload,
} from './helpers/uploads.ts';

announceSkips();

const MiB = 1024 * 1024;
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

describe.each(DATABASES)('multipart uploads on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, {}, { jobs: true });
  });
  afterAll(async () => server?.dispose());

  const post = (url: string, payload: unknown, key = server.key) =>
    server.app.inject({ method: 'POST', url, headers: { authorization: basic(key) }, payload: payload as object });
  const create = (body: Record<string, unknown>) => post('/v1/uploads', body);
  const multipartDirs = async () => readdir(path.join(server.dataDir, 'files', 'multipart')).catch(() => [] as string[]);

  it.skipIf(target.skipReason)('takes an image through every state to an asset whose URL returns the exact bytes', async () => {
    const png = await makeImage('png', 50, 40, { seed: 501 });
    const { upload, asset, seen } = await uploadMultipart(server, png, {
      kind: 'image',
      contentType: 'image/png',
      fileName: 'dir/../big.png',
    });
    expect(upload).toMatchObject({
      status: 'imported',
      source: 'multipart',
      kind: 'image',
      fileName: 'big.png',
      originalFileName: 'dir/../big.png',
      contentType: 'image/png',
      fileSize: png.length,
      partsCount: 1,
      ownerId: server.key.projectId,
      authorId: server.key.id,
    });
    expect(upload.entityId).toMatch(/^asset_/);
    expect(upload.jobId).toMatch(/^job_/);
    expect(seen.at(-1)).toBe('imported');
    expect(seen.every((status: string) => ['validating', 'validated', 'imported'].includes(status))).toBe(true);
    expect(asset).toMatchObject({
      id: upload.entityId,
      kind: 'image',
      mimeType: 'image/png',
      properties: { width: 50, height: 40, size: png.length },
    });
    const file = await server.app.inject({ method: 'GET', url: pathOf(asset?.url as string) });
    expect(file.rawPayload.equals(png)).toBe(true);
    // The name the client gave is kept apart from the sanitised one, and the other dialect shows it.
    const unified = await server.app.inject({
      method: 'GET',
      url: `/token360/v1/assets/${asset?.id}`,
      headers: { authorization: `Bearer ${server.key.secret}` },
    });
    expect(json(unified).data).toMatchObject({ originalFilename: 'dir/../big.png', filename: 'big.png' });
  });

  it.skipIf(target.skipReason)('answers create with the spec upload object and one signed URL per part', async () => {
    const upload = await createUpload(server, { fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 3, fileSize: 11 * MiB });
    expect(upload).toMatchObject({
      status: 'pending',
      source: 'multipart',
      kind: 'audio',
      partsCount: 3,
      fileSize: 11 * MiB,
      entityId: null,
    });
    expect(upload.id).toMatch(/^upload_/);
    expect(upload.parts.map((p: { number: number }) => p.number)).toEqual([1, 2, 3]);
    for (const part of upload.parts) {
      expect(part.url).toMatch(new RegExp(`/uploads/${upload.id}/parts/${part.number}\\?part=\\w+&expires=\\d+&signature=`));
      expect(Date.parse(part.expires)).toBeGreaterThan(Date.now());
    }
    expect(new Set(upload.parts.map((p: { url: string }) => p.url)).size).toBe(3);
  });

  it.skipIf(target.skipReason)('assembles parts PUT out of order, in parallel, with one repeated', async () => {
    const wav = makeWav(16 * MiB + 123, 3);
    const upload = await createUpload(server, {
      fileName: 'voice.wav',
      contentType: 'audio/wav',
      kind: 'audio',
      parts: 3,
      fileSize: wav.length,
    });
    const size = Math.ceil(wav.length / 3);
    const slice = (n: number) => wav.subarray((n - 1) * size, n * size);
    const [one, two, three] = upload.parts;
    // Part 2 first gets the wrong bytes, then is sent again: the second PUT replaces the first.
    await putPart(server, two.url, Buffer.alloc(size, 9));
    const responses = await Promise.all([
      putPart(server, three.url, slice(3)),
      putPart(server, one.url, slice(1)),
      putPart(server, two.url, slice(2)),
    ]);
    for (const response of responses) expect(response.statusCode).toBe(200);
    const listed = json(
      await server.app.inject({ method: 'GET', url: `/v1/uploads/${upload.id}/parts`, headers: { authorization: basic(server.key) } }),
    );
    // Each part is listed with the ETag its last PUT answered.
    expect(listed.parts).toEqual(
      [3, 1, 2].map((n, i) => ({ number: n, size: slice(n).length, etag: responses[i]?.headers.etag })).sort((a, b) => a.number - b.number),
    );
    const completed = await completeUpload(server, upload.id);
    expect(completed.statusCode).toBe(200);
    expect(json(completed).upload.status).toBe('validating');
    const { upload: final } = await waitForUpload(server, upload.id);
    expect(final.status).toBe('imported');
    const asset = json(
      await server.app.inject({ method: 'GET', url: `/v1/assets/${final.entityId}`, headers: { authorization: basic(server.key) } }),
    ).asset;
    expect(asset.kind).toBe('audio');
    const file = await server.app.inject({ method: 'GET', url: pathOf(asset.url) });
    expect(file.rawPayload.equals(wav)).toBe(true);
  });

  it.skipIf(target.skipReason)('joins parts a client split otherwise than planned', async () => {
    const wav = makeWav(12 * MiB, 4);
    const upload = await createUpload(server, {
      fileName: 'odd.wav',
      contentType: 'audio/wav',
      kind: 'audio',
      parts: 2,
      fileSize: wav.length,
    });
    // 5 MiB + 7 then the rest: valid parts, but not the planned ceil(size / 2) split.
    const cut = 5 * MiB + 7;
    expect((await putPart(server, upload.parts[1].url, wav.subarray(cut))).statusCode).toBe(200);
    expect((await putPart(server, upload.parts[0].url, wav.subarray(0, cut))).statusCode).toBe(200);
    expect((await completeUpload(server, upload.id)).statusCode).toBe(200);
    const { upload: final } = await waitForUpload(server, upload.id);
    expect(final.status).toBe('imported');
    const asset = json(
      await server.app.inject({ method: 'GET', url: `/v1/assets/${final.entityId}`, headers: { authorization: basic(server.key) } }),
    ).asset;
    expect((await server.app.inject({ method: 'GET', url: pathOf(asset.url) })).rawPayload.equals(wav)).toBe(true);
  });

  it.skipIf(target.skipReason)(
    'refuses to complete with a missing part, a too-small part or a wrong total, and stays completable',
    async () => {
      const wav = makeWav(11 * MiB, 5);
      const upload = await createUpload(server, {
        fileName: 'x.wav',
        contentType: 'audio/wav',
        kind: 'audio',
        parts: 2,
        fileSize: wav.length,
      });
      await putPart(server, upload.parts[0].url, wav.subarray(0, Math.ceil(wav.length / 2)));
      const missing = await completeUpload(server, upload.id);
      expect(missing.statusCode).toBe(400);
      expect(json(missing).message).toMatch(/missing part 2/);
      // Too small: a 4 MiB first part.
      await putPart(server, upload.parts[0].url, wav.subarray(0, 4 * MiB));
      await putPart(server, upload.parts[1].url, wav.subarray(4 * MiB, 4 * MiB + 6 * MiB));
      const small = await completeUpload(server, upload.id);
      expect(small.statusCode).toBe(400);
      expect(json(small).message).toMatch(/part 1 has 4194304 bytes: every part but the last needs at least 5 MiB/);
      // Wrong total: both parts whole-sized but one byte short overall.
      await putPart(server, upload.parts[0].url, wav.subarray(0, 6 * MiB));
      await putPart(server, upload.parts[1].url, wav.subarray(6 * MiB, wav.length - 1));
      const short = await completeUpload(server, upload.id);
      expect(short.statusCode).toBe(400);
      expect(json(short).message).toMatch(new RegExp(`add up to ${wav.length - 1} bytes, but fileSize is ${wav.length}`));
      expect((await getUpload(server, upload.id)).status).toBe('pending');
      // Fixed: it completes.
      await putPart(server, upload.parts[1].url, wav.subarray(6 * MiB));
      expect((await completeUpload(server, upload.id)).statusCode).toBe(200);
      expect((await waitForUpload(server, upload.id)).upload.status).toBe('imported');
    },
  );

  it.skipIf(target.skipReason)('refuses a part larger than it may be with 413', async () => {
    const upload = await createUpload(server, { fileName: 'x.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: 100 });
    const response = await putPart(server, upload.parts[0].url, Buffer.alloc(101, 1));
    expect(response.statusCode).toBe(413);
    expect(json(response).code).toBe('PART_TOO_LARGE');
    const listed = json(
      await server.app.inject({ method: 'GET', url: `/v1/uploads/${upload.id}/parts`, headers: { authorization: basic(server.key) } }),
    );
    expect(listed.parts).toEqual([]);
  });

  it.skipIf(target.skipReason)('refuses tampered, expired and foreign part URLs with 403', async () => {
    const first = await createUpload(server, { fileName: 'a.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: 10 });
    const second = await createUpload(server, { fileName: 'b.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: 10 });
    const url = new URL(first.parts[0].url);
    const signature = url.searchParams.get('signature') as string;
    const expires = url.searchParams.get('expires') as string;
    const past = Math.floor(Date.now() / 1000) - 5;
    const part = url.searchParams.get('part') as string;
    const otherPart = new URL(second.parts[0].url).searchParams.get('part') as string;
    const cases = [
      `${url.pathname}?part=${part}&expires=${expires}&signature=${signature.slice(1)}x`,
      `${url.pathname}?part=${part}&expires=${Number(expires) + 60}&signature=${signature}`,
      `/uploads/${second.id}/parts/1?part=${part}&expires=${expires}&signature=${signature}`,
      `${url.pathname}?part=${otherPart}&expires=${expires}&signature=${signature}`,
      `${url.pathname}?expires=${expires}&signature=${signature}`,
      `${url.pathname}`,
      `${url.pathname}?part=${part}&expires=${past}&signature=${server.container.signer.sign(PART_LINK_PURPOSE, partResource(first.id, 1, part), past)}`,
    ];
    for (const link of cases) {
      const response = await server.app.inject({ method: 'PUT', url: link, payload: Buffer.alloc(10) });
      expect(response.statusCode, link).toBe(403);
    }
    // A file link's signature is no part link's.
    const fileSignature = server.container.signer.sign('file', partResource(first.id, 1, part), Number(expires));
    const crossed = await server.app.inject({
      method: 'PUT',
      url: `${url.pathname}?part=${part}&expires=${expires}&signature=${fileSignature}`,
      payload: Buffer.alloc(10),
    });
    expect(crossed.statusCode).toBe(403);
  });

  it.skipIf(target.skipReason)('validates everything before issuing any URL', async () => {
    const base = { fileName: 'f.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: 1000 };
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ ...base, kind: 'sculpture' }, 400, /kind must be equal to one of the allowed values/],
      [{ ...base, contentType: 'audio/mpeg' }, 400, /contentType "audio\/mpeg" does not fit kind "image": use one of/],
      [{ ...base, kind: 'audio', contentType: 'audio/mp3' }, 200, /./],
      [{ ...base, kind: 'audio', contentType: 'audio/m4a' }, 200, /./],
      [{ ...base, kind: 'video', contentType: 'image/png' }, 400, /does not fit kind "video"/],
      [{ ...base, parts: 0 }, 400, /parts must be >= 1/],
      [{ ...base, parts: 10_001 }, 400, /parts must be <= 10000/],
      [{ ...base, parts: 2.5 }, 400, /parts must be a whole number/],
      [{ ...base, parts: 2 }, 400, /cannot be split into 2 parts of at least 5 MiB/],
      [{ ...base, fileSize: 0 }, 400, /fileSize must be a positive whole number/],
      [{ ...base, fileSize: -5 }, 400, /fileSize must be a positive/],
      [{ ...base, fileSize: 6 * 1024 ** 4 }, 413, /over this server's limit/],
      [{ ...base, fileSize: '1000' }, 400, /body.fileSize must be number/],
      [{ contentType: 'image/png', kind: 'image' }, 400, /A multipart upload needs fileName, parts, fileSize/],
      [{ ...base, assetOptions: { parentId: 'asset_nope' } }, 404, /Parent asset "asset_nope" was not found/],
      [{ ...base, assetOptions: { collectionIds: ['collection_nope'] } }, 404, /Collection "collection_nope"/],
      [{ ...base, assetOptions: { surprise: true } }, 400, /must NOT have additional properties/],
    ];
    const before = await multipartDirs();
    for (const [body, status, message] of cases) {
      const response = await create(body);
      expect(response.statusCode, `${JSON.stringify(body)} → ${response.body}`).toBe(status);
      if (status !== 200) expect(json(response).message).toMatch(message);
    }
    expect((await multipartDirs()).length).toBe(before.length + 2);
  });

  it.skipIf(target.skipReason)('fails an upload whose bytes contradict its content type, leaving nothing behind', async () => {
    await jobsSettled(server);
    const before = await footprint(server);
    const dirs = await multipartDirs();
    const { upload } = await uploadMultipart(server, Buffer.from('this is plain text, not a picture'), {
      kind: 'image',
      contentType: 'image/png',
    });
    expect(upload.status).toBe('failed');
    expect(upload.errorMessage).toMatch(/not in a supported format|Unhandled image format/);
    const wav = makeWav(3000, 6);
    const { upload: mismatch } = await uploadMultipart(server, wav, { kind: 'video', contentType: 'video/mp4' });
    expect(mismatch.status).toBe('failed');
    expect(mismatch.errorMessage).toMatch(/The file is a WAV audio \(audio\/wav\), but the upload declared kind "video"/);
    const { upload: wrongType } = await uploadMultipart(server, wav, { kind: 'audio', contentType: 'audio/mpeg' });
    expect(wrongType.status).toBe('failed');
    expect(wrongType.errorMessage).toMatch(/declared contentType "audio\/mpeg": create the upload again with contentType "audio\/wav"/);
    await jobsSettled(server);
    expect(await footprint(server)).toEqual(before);
    expect(await multipartDirs()).toEqual(dirs);
  });

  it.skipIf(target.skipReason)('makes complete idempotent', async () => {
    const png = await makeImage('png', 9, 9, { seed: 502 });
    const upload = await createUpload(server, {
      fileName: 'i.png',
      contentType: 'image/png',
      kind: 'image',
      parts: 1,
      fileSize: png.length,
    });
    await putPart(server, upload.parts[0].url, png);
    const [a, b] = await Promise.all([completeUpload(server, upload.id), completeUpload(server, upload.id)]);
    const statuses = [a.statusCode, b.statusCode].sort();
    // Two at once: one completes, the other is told it is in progress or sees the result.
    expect(statuses[0]).toBe(200);
    expect([200, 409]).toContain(statuses[1]);
    const { upload: final } = await waitForUpload(server, upload.id);
    const again = await completeUpload(server, upload.id);
    expect(again.statusCode).toBe(200);
    expect(json(again).upload).toMatchObject({ status: 'imported', entityId: final.entityId });
    const assets = json(
      await server.app.inject({ method: 'GET', url: '/v1/assets?pageSize=100', headers: { authorization: basic(server.key) } }),
    ).assets;
    expect(assets.filter((asset: { metadata: { name: string } }) => asset.metadata.name === 'i.png')).toHaveLength(1);
  });

  it.skipIf(target.skipReason)("answers another team's upload as not found", async () => {
    const upload = await createUpload(server, { fileName: 'a.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: 10 });
    const other = server.otherKey;
    for (const response of [
      await server.app.inject({ method: 'GET', url: `/v1/uploads/${upload.id}`, headers: { authorization: basic(other) } }),
      await completeUpload(server, upload.id, other),
      await server.app.inject({ method: 'GET', url: `/v1/uploads/${upload.id}/parts`, headers: { authorization: basic(other) } }),
      await server.app.inject({ method: 'DELETE', url: `/v1/uploads/${upload.id}`, headers: { authorization: basic(other) } }),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(json(response).code).toBe('UPLOAD_NOT_FOUND');
    }
    expect((await getUpload(server, upload.id)).status).toBe('pending');
  });

  it.skipIf(target.skipReason)('lets a client resume: list parts, re-sign chosen parts, abort', async () => {
    const wav = makeWav(11 * MiB, 7);
    const upload = await createUpload(server, {
      fileName: 'r.wav',
      contentType: 'audio/wav',
      kind: 'audio',
      parts: 2,
      fileSize: wav.length,
    });
    await putPart(server, upload.parts[0].url, wav.subarray(0, Math.ceil(wav.length / 2)));
    const fresh = await post(`/v1/uploads/${upload.id}/parts`, { partNumbers: [2] });
    expect(fresh.statusCode).toBe(200);
    const [link] = json(fresh).parts;
    expect(link.number).toBe(2);
    expect((await putPart(server, link.url, wav.subarray(Math.ceil(wav.length / 2)))).statusCode).toBe(200);
    expect((await post(`/v1/uploads/${upload.id}/parts`, { partNumbers: [3] })).statusCode).toBe(400);
    expect(json(await post(`/v1/uploads/${upload.id}/parts`, {})).parts).toHaveLength(2);
    const dirsBefore = (await multipartDirs()).length;
    const aborted = await post(`/v1/uploads/${upload.id}/action`, { action: 'abort' });
    expect(json(aborted).upload).toMatchObject({ status: 'failed', errorMessage: 'The upload was aborted by the client' });
    expect((await multipartDirs()).length).toBe(dirsBefore - 1);
    expect((await putPart(server, link.url, Buffer.alloc(10))).statusCode).toBe(409);
    expect((await completeUpload(server, upload.id)).statusCode).toBe(200);
    expect(
      (await server.app.inject({ method: 'DELETE', url: `/v1/uploads/${upload.id}`, headers: { authorization: basic(server.key) } }))
        .statusCode,
    ).toBe(409);
  });

  it.skipIf(target.skipReason)('sweeps pending uploads past their expiry and deletes their parts', async () => {
    const upload = await createUpload(server, { fileName: 'e.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: 10 });
    await putPart(server, upload.parts[0].url, Buffer.alloc(10, 1));
    const dirs = (await multipartDirs()).length;
    await server.container.db.kysely
      .updateTable('uploads')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', upload.id)
      .execute();
    expect(await server.container.uploads.sweepExpired()).toBe(1);
    expect(await server.container.uploads.sweepExpired()).toBe(0);
    expect(await getUpload(server, upload.id)).toMatchObject({ status: 'failed', errorMessage: expect.stringMatching(/expired/) });
    expect((await multipartDirs()).length).toBe(dirs - 1);
    expect((await putPart(server, upload.parts[0].url, Buffer.alloc(10))).statusCode).toBe(409);
  });

  it.skipIf(target.skipReason)('puts the asset in the collections and under the parent given in assetOptions', async () => {
    const collection = json(await post('/v1/collections', { name: 'uploads' })).collection;
    const { asset: parent } = await uploadMultipart(server, await makeImage('png', 5, 5, { seed: 503 }), {
      kind: 'image',
      contentType: 'image/png',
    });
    const { asset } = await uploadMultipart(server, await makeImage('png', 6, 6, { seed: 504 }), {
      kind: 'image',
      contentType: 'image/png',
      assetOptions: { collectionIds: [collection.id], parentId: parent?.id, hide: true },
    });
    expect(asset).toMatchObject({
      collectionIds: [collection.id],
      isHidden: true,
      metadata: { parentId: parent?.id, rootParentId: parent?.id },
    });
  });
});

describe.each(DATABASES)('jobs across a restart on $name', (target) => {
  it.skipIf(target.skipReason)('runs jobs queued before the restart', async () => {
    const server = await startTestServer(target);
    try {
      const png = await makeImage('png', 7, 7, { seed: 505 });
      const upload = await createUpload(server, {
        fileName: 'r.png',
        contentType: 'image/png',
        kind: 'image',
        parts: 1,
        fileSize: png.length,
      });
      await putPart(server, upload.parts[0].url, png);
      await completeUpload(server, upload.id);
      expect((await getUpload(server, upload.id)).status).toBe('validating');
      expect(await server.container.jobs.counts()).toMatchObject({ queued: 1 });
      // The process "restarts": a new container on the same database and files runs the job.
      const restarted = await server.reopen();
      try {
        restarted.runner.start();
        const deadline = Date.now() + 10_000;
        let status = 'validating';
        while (status !== 'imported' && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          status = (await restarted.uploads.get({ projectId: server.key.projectId, authorId: server.key.id }, upload.id)).status;
        }
        expect(status).toBe('imported');
      } finally {
        await restarted.close();
      }
    } finally {
      await server.dispose();
    }
  });
});

/**
 * The multipart flow on S3 storage, on every database: the parts go to presigned S3 URLs over
 * the network, straight to the S3 endpoint, never through this server.
 */
const s3 = STORAGES.filter((storage) => storage.name === 's3');
describe.each(DATABASES.flatMap((database) => s3.map((storage) => ({ database, storage, name: `${database.name} with ${storage.name}` }))))(
  'multipart uploads on $name',
  ({ database, storage }) => {
    const skipReason = database.skipReason ?? storage.skipReason;
    let server: TestServer;
    beforeAll(async () => {
      if (!skipReason) server = await startTestServer(database, storageEnv(storage), { jobs: true });
    });
    afterAll(async () => server?.dispose());

    it.skipIf(skipReason)('imports a file sent in two parts to presigned S3 URLs, and serves it from S3', async () => {
      const wav = makeWav(11 * MiB, 42);
      expect(wav.length).toBeGreaterThan(5 * MiB);
      const upload = await createUpload(server, {
        fileName: 'long.wav',
        contentType: 'audio/wav',
        kind: 'audio',
        parts: 2,
        fileSize: wav.length,
      });
      for (const part of upload.parts) {
        const url = new URL(part.url);
        expect(`${url.origin}/`).toBe(`${storage.endpoint}/`);
        expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
        expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
      }
      const partSize = Math.ceil(wav.length / 2);
      // Part 2 first: S3 takes parts in any order.
      for (const part of [...upload.parts].reverse()) {
        const response = await sendPart(server, part.url, wav.subarray((part.number - 1) * partSize, part.number * partSize));
        expect(response.statusCode, response.body).toBe(200);
      }
      const listed = await server.app.inject({
        method: 'GET',
        url: `/v1/uploads/${upload.id}/parts`,
        headers: { authorization: basic(server.key) },
      });
      expect(json(listed).parts.map((part: { number: number; size: number }) => [part.number, part.size])).toEqual([
        [1, partSize],
        [2, wav.length - partSize],
      ]);
      expect((await completeUpload(server, upload.id)).statusCode).toBe(200);
      const { upload: done } = await waitForUpload(server, upload.id);
      expect(done.status, done.errorMessage).toBe('imported');
      const asset = json(
        await server.app.inject({ method: 'GET', url: `/v1/assets/${done.entityId}`, headers: { authorization: basic(server.key) } }),
      ).asset;
      expect(asset).toMatchObject({ kind: 'audio', mimeType: 'audio/wav' });
      // A presigned GET on the bucket, answering the exact bytes.
      expect(asset.url.startsWith(`${storage.endpoint}/`)).toBe(true);
      expect(Buffer.from(await (await fetch(asset.url)).arrayBuffer()).equals(wav)).toBe(true);
    });

    it.skipIf(skipReason)('refuses to complete with a part missing, and aborts the S3 multipart upload', async () => {
      const png = await makeImage('png', 30, 30, { seed: 777 });
      const upload = await createUpload(server, {
        fileName: 'a.png',
        contentType: 'image/png',
        kind: 'image',
        parts: 1,
        fileSize: png.length,
      });
      const refused = await completeUpload(server, upload.id);
      expect(refused.statusCode).toBe(400);
      expect(json(refused).code).toBe('UPLOAD_NOT_COMPLETABLE');
      expect((await sendPart(server, upload.parts[0].url, png)).statusCode).toBe(200);
      const aborted = await server.app.inject({
        method: 'POST',
        url: `/v1/uploads/${upload.id}/action`,
        headers: { authorization: basic(server.key) },
        payload: { action: 'abort' },
      });
      expect(json(aborted).upload.status).toBe('failed');
      // The multipart upload is gone from S3 (moto answers a part PUT to it with 500, S3 with 404).
      const stored = await server.container.uploads.findForJob(upload.id);
      await expect(server.container.storage.listParts(stored?.storageKey as string, stored?.multipartId as string)).rejects.toThrow();
      expect((await sendPart(server, upload.parts[0].url, png)).statusCode).not.toBe(200);
    });
  },
);
