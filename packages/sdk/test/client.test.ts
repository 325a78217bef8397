import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage, uniquePng } from '../../server/test/helpers/images.ts';
import {
  APIConnectionError,
  AssetdClient,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  srcsetOf,
  type Upload,
} from '../src/index.ts';
import { DATABASES, type LiveServer, recordingFetch, startLiveServer } from './helpers.ts';

for (const target of DATABASES) {
  describe.skipIf(target.skipReason)(`the client against a listening server on ${target.name}`, () => {
    let live: LiveServer;
    beforeAll(async () => {
      live = await startLiveServer(target);
    });
    afterAll(async () => {
      await live?.dispose();
    });

    it('lists a page and iterates every asset of every page with for await', async () => {
      const client = live.client();
      const images = await Promise.all(Array.from({ length: 25 }, (_, i) => uniquePng(i)));
      const created: string[] = [];
      // 250 assets, 10 requests at a time: 25 distinct images, each uploaded 10 times.
      for (let round = 0; round < 10; round++) {
        const batch = await Promise.all(images.map((image, i) => client.upload(image, { name: `img-${round}-${i}.png` })));
        created.push(...batch.map((asset) => asset.id));
      }

      const recorder = recordingFetch();
      const listing = live.client({ fetch: recorder.fetch });
      const first = await listing.assets.list({ pageSize: 100 });
      expect(first.items).toHaveLength(100);
      expect(first.hasNextPage()).toBe(true);

      const seen: string[] = [];
      for await (const asset of listing.assets.list({ pageSize: 100 })) seen.push(asset.id);
      expect(seen).toHaveLength(250);
      expect(new Set(seen)).toEqual(new Set(created));
      // One request for the awaited page, three for the walk (100 + 100 + 50).
      expect(recorder.seen.filter((r) => r.url.pathname === '/v1/assets')).toHaveLength(4);
    });

    it('surfaces a 4xx as its error class with the server code and request id, without retrying it', async () => {
      const recorder = recordingFetch();
      const client = live.client({ fetch: recorder.fetch });
      const missing = await client.assets.retrieve('asset_doesNotExist').catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing).toMatchObject({ status: 404, code: 'ASSET_NOT_FOUND', requestId: expect.stringMatching(/^req_/) });
      expect(recorder.seen).toHaveLength(1);

      const invalid = await client.uploads
        .create({ fileName: 'a.mp3', contentType: 'audio/mpeg', kind: 'audio', parts: 1 })
        .catch((error: unknown) => error);
      expect(invalid).toBeInstanceOf(BadRequestError);
      expect(invalid).toMatchObject({ code: 'VALIDATION_ERROR', details: { missing: ['fileSize'] } });

      const wrongKey = await live
        .client({ apiSecret: 'sk_wrong' })
        .assets.list()
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(wrongKey).toBeInstanceOf(AuthenticationError);
      expect(wrongKey).toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('never retries a state error: aborting an upload twice is a 409 on the second call', async () => {
      const client = live.client();
      const upload = await client.uploads.create({ fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 1000 });
      await client.uploads.abort(upload.id);
      const recorder = recordingFetch();
      const again = await live
        .client({ fetch: recorder.fetch })
        .uploads.abort(upload.id)
        .catch((error: unknown) => error);
      expect(again).toBeInstanceOf(ConflictError);
      expect(again).toMatchObject({ code: 'UPLOAD_STATE' });
      expect(recorder.seen).toHaveLength(1);
    });

    it('retries 503 and network errors, honouring Retry-After', async () => {
      const recorder = recordingFetch((_request, index) => {
        if (index === 0) return new Response('{}', { status: 503, headers: { 'retry-after': '0' } });
        if (index === 1) return new TypeError('fetch failed');
        return undefined;
      });
      const page = await live.client({ fetch: recorder.fetch }).collections.list();
      expect(page.items).toEqual([]);
      expect(recorder.seen).toHaveLength(3);

      const down = new AssetdClient({ baseURL: 'http://127.0.0.1:1', apiSecret: 'x', maxRetries: 1, fetch: recordingFetch().fetch });
      await expect(down.assets.list()).rejects.toBeInstanceOf(APIConnectionError);
    });

    it('long-polls an upload: the answer waits for a change of status, and comes at once when it already changed', async () => {
      const client = live.client();
      const upload: Upload = await client.uploads.create({
        fileName: 'a.wav',
        contentType: 'audio/wav',
        kind: 'audio',
        parts: 1,
        fileSize: 1000,
      });
      const held = await client.uploads.retrieve(upload.id, { waitSeconds: 1, status: 'pending' });
      expect(held.status).toBe('pending');
      const changed = client.uploads.retrieve(upload.id, { waitSeconds: 30, status: 'pending' });
      await client.uploads.abort(upload.id);
      expect((await changed).status).toBe('failed');
      expect((await client.uploads.retrieve(upload.id, { waitSeconds: 30, status: 'pending' })).status).toBe('failed');
    });

    it('follows an upload by its job: get, wait and list', async () => {
      const client = live.client();
      const png = await uniquePng(41);
      const upload = await client.uploads.create({
        fileName: 'j.png',
        contentType: 'image/png',
        kind: 'image',
        parts: 1,
        fileSize: png.length,
      });
      expect((await client.jobs.get(upload.jobId)).status).toBe('queued');
      const part = upload.parts?.[0];
      expect((await fetch(part?.url as string, { method: 'PUT', body: png })).status).toBe(200);
      await client.uploads.complete(upload.id);
      const seen: string[] = [];
      const job = await client.jobs.wait(upload.jobId, { onStatus: (each) => seen.push(each.status), timeout: 20_000 });
      expect(job.status).toBe('success');
      expect(seen.at(-1)).toBe('success');
      const assetId = (job.metadata as { output: { entityId: string } }).output.entityId;
      expect((await client.assets.retrieve(assetId)).id).toBe(assetId);
      const page = await client.jobs.list({ status: ['success'], pageSize: 5 });
      expect(page.items.map((each) => each.jobId)).toContain(upload.jobId);
      await expect(client.jobs.get('job_doesNotExist')).rejects.toMatchObject({ status: 404, code: 'JOB_NOT_FOUND' });
    });

    it('retries a create whose answer was lost without creating twice, and never retries a POST it cannot repeat safely', async () => {
      let lostOnce = false;
      const seen: { method: string; path: string; key: string | null }[] = [];
      // The server does the work, then the answer is lost on the way back (once).
      const losing = async (input: string | URL | Request, init?: RequestInit) => {
        const url = new URL(String(input));
        const headers = new Headers(init?.headers);
        seen.push({ method: init?.method ?? 'GET', path: url.pathname, key: headers.get('idempotency-key') });
        const response = await fetch(input, init);
        if (!lostOnce && init?.method === 'POST' && url.pathname === '/v1/assets') {
          lostOnce = true;
          await response.body?.cancel();
          throw new TypeError('socket hang up');
        }
        return response;
      };
      const client = live.client({ fetch: losing as typeof fetch });
      const countAll = async () => {
        let n = 0;
        for await (const _ of live.client().assets.list({ pageSize: 100 })) n++;
        return n;
      };
      const before = await countAll();
      const asset = await client.assets.create({ image: (await uniquePng(42)).toString('base64'), name: 'lost.png' });
      const posts = seen.filter((each) => each.method === 'POST' && each.path === '/v1/assets');
      expect(posts).toHaveLength(2);
      expect(posts[0]?.key).toMatch(/^idem_[0-9a-f]{32}$/);
      expect(posts[1]?.key).toBe(posts[0]?.key);
      expect(await countAll()).toBe(before + 1);
      expect((await live.client().assets.retrieve(asset.id)).id).toBe(asset.id);

      // Creating a collection has no key: a lost answer is the caller's to handle, never repeated blindly.
      const failing = live.client({ fetch: (async () => Promise.reject(new TypeError('socket hang up'))) as typeof fetch, maxRetries: 3 });
      const calls = seen.length;
      await expect(failing.collections.create('once')).rejects.toBeInstanceOf(APIConnectionError);
      expect(seen.length).toBe(calls);
    });

    it('manages collections', async () => {
      const client = live.client();
      const collection = await client.collections.create('moodboard');
      const asset = await client.upload(await uniquePng(40), { name: 'c.png', collectionIds: [collection.id] });
      expect(asset.collectionIds).toEqual([collection.id]);
      expect((await client.collections.rename(collection.id, 'board')).name).toBe('board');
      expect((await client.collections.removeAssets(collection.id, [asset.id])).assetCount).toBe(0);
      await client.collections.delete(collection.id);
      await expect(client.collections.retrieve(collection.id)).rejects.toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
    });

    it('gives a web grid its renditions: srcset at 1x, 2x and 3x, links fetched without credentials', async () => {
      const client = live.client();
      const uploaded = await client.upload(await makeImage('jpeg', 1000, 800, { seed: 9 }), { name: 'photo.jpg' });
      const tile = { renditionWidth: 160, renditionHeight: 160, renditionPixelRatios: '1,2,3' };
      const page = await client.assets.list({ ...tile, pageSize: 100 });
      const listed = page.items.find((asset) => asset.id === uploaded.id);
      expect(listed?.renditions?.map((r) => [r.pixelRatio, r.width, r.height])).toEqual([
        [1, 160, 160],
        [2, 320, 320],
        [3, 480, 480],
      ]);
      const srcset = srcsetOf(listed ?? {});
      expect(srcset).toMatch(/^http:\/\/\S+ 1x, http:\/\/\S+ 2x, http:\/\/\S+ 3x$/);
      const retrieved = await client.assets.retrieve(uploaded.id, {
        renditionWidth: 400,
        renditionFormat: 'avif',
        renditionPixelRatios: '1',
      });
      const [only] = retrieved.renditions ?? [];
      expect(only).toMatchObject({ width: 400, height: 320, mimeType: 'image/avif' });
      const response = await fetch(only?.url as string);
      expect(response.status).toBe(200);
      expect(await sharp(Buffer.from(await response.arrayBuffer())).metadata()).toMatchObject({ format: 'heif', width: 400, height: 320 });
      expect(srcsetOf(await client.assets.retrieve(uploaded.id))).toBeUndefined();
    });
  });
}
