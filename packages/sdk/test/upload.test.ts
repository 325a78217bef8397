import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePng } from '../../server/test/helpers/images.ts';
import { makeWav } from '../../server/test/helpers/media.ts';
import { APIUserAbortError, UploadFailedError, UploadInterruptedError, type UploadProgress } from '../src/index.ts';
import { DATABASES, type LiveServer, partNumberOf, recordingFetch, startLiveServer, tempFiles } from './helpers.ts';

const MiB = 1024 * 1024;

for (const target of DATABASES) {
  describe.skipIf(target.skipReason)(`client.upload against a listening server on ${target.name}`, () => {
    let live: LiveServer;
    let files: Awaited<ReturnType<typeof tempFiles>>;
    beforeAll(async () => {
      live = await startLiveServer(target);
      files = await tempFiles({ 'big.wav': makeWav(30_000_000, 3), 'medium.wav': makeWav(16 * MiB, 5) });
    });
    afterAll(async () => {
      await files?.dispose();
      await live?.dispose();
    });

    it('sends a 30 MB file in parallel parts, retrying the part whose first PUT fails', async () => {
      let failed = false;
      const recorder = recordingFetch((request) => {
        if (!failed && partNumberOf(request) === 2) {
          failed = true;
          return new TypeError('fetch failed: connection reset');
        }
        return undefined;
      });
      const progress: UploadProgress[] = [];
      const asset = await live
        .client({ fetch: recorder.fetch })
        .upload(path.join(files.dir, 'big.wav'), { concurrency: 4, partSize: 5 * MiB, onProgress: (p) => progress.push(p) });

      expect(asset).toMatchObject({ kind: 'audio', mimeType: 'audio/wav' });
      expect(asset.metadata.size).toBeGreaterThanOrEqual(30_000_000);
      const puts = recorder.partPuts();
      expect([...puts].sort()).toEqual([1, 2, 2, 3, 4, 5]);
      expect(recorder.maxInFlight).toBeGreaterThan(1);
      expect(recorder.maxInFlight).toBeLessThanOrEqual(4);
      const sent = progress.filter((p) => p.part).map((p) => p.part?.number);
      expect([...sent].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(progress.find((p) => p.part && p.loaded === p.total)).toBeDefined();
      expect(progress.at(-1)).toMatchObject({ phase: 'processing', status: 'imported' });
    });

    it('reports progress by bytes as parts leave, and takes back the bytes of an attempt that fails midway', async () => {
      let failed = false;
      const dropMidway: typeof fetch = async (input, init) => {
        if (!failed && init?.method === 'PUT' && init.body instanceof ReadableStream) {
          failed = true;
          // One chunk leaves, then the connection drops.
          const reader = init.body.getReader();
          await reader.read();
          await reader.cancel();
          throw new TypeError('fetch failed: connection reset');
        }
        return fetch(input, init);
      };
      const progress: UploadProgress[] = [];
      await live
        .client({ fetch: dropMidway })
        .upload(path.join(files.dir, 'medium.wav'), { concurrency: 1, partSize: 5 * MiB, onProgress: (p) => progress.push(p) });

      expect(failed).toBe(true);
      const total = progress[0]?.total ?? 0;
      const partSize = Math.ceil(total / 3);
      const sending = progress.filter((p) => p.phase === 'sending').map((p) => p.loaded);
      // Between part boundaries: the bar moves by bytes, not by parts.
      expect(sending.filter((loaded) => loaded % partSize !== 0 && loaded !== total).length).toBeGreaterThan(10);
      // The failed attempt's bytes were taken back, and the count never passed the file.
      expect(sending.some((loaded, i) => i > 0 && loaded < (sending[i - 1] ?? 0))).toBe(true);
      expect(Math.max(...sending)).toBe(total);
      expect(sending.at(-1)).toBe(total);
    });

    it('aborts an upload halfway, abandons it on the server, and a fresh one then succeeds', async () => {
      const controller = new AbortController();
      const recorder = recordingFetch((request) => {
        // The second part starts: half the file is sent.
        if (partNumberOf(request) === 2) controller.abort();
        return undefined;
      });
      let uploadId: string | undefined;
      const client = live.client({ fetch: recorder.fetch });
      const attempt = client.upload(path.join(files.dir, 'medium.wav'), {
        concurrency: 1,
        partSize: 5 * MiB,
        signal: controller.signal,
        onUploadCreated: (upload) => {
          uploadId = upload.id;
        },
      });
      await expect(attempt).rejects.toBeInstanceOf(APIUserAbortError);
      expect(uploadId).toBeDefined();
      const abandoned = await client.uploads.retrieve(uploadId as string);
      expect(abandoned).toMatchObject({ status: 'failed', errorMessage: 'The upload was aborted by the client' });
      expect(recorder.seen.some((r) => r.method === 'POST' && r.url.pathname.endsWith('/action'))).toBe(true);

      const fresh = await live.client().upload(path.join(files.dir, 'medium.wav'), { partSize: 5 * MiB });
      expect(fresh.kind).toBe('audio');
    });

    it('resumes an interrupted upload from its id, sending only the missing parts', async () => {
      const failing = recordingFetch((request) => (partNumberOf(request) === 3 ? new Response('{}', { status: 500 }) : undefined));
      const file = path.join(files.dir, 'medium.wav');
      const interrupted = await live
        .client({ fetch: failing.fetch, maxRetries: 0 })
        .upload(file, { concurrency: 1, partSize: 5 * MiB, partRetries: 0 })
        .catch((error: unknown) => error);
      expect(interrupted).toBeInstanceOf(UploadInterruptedError);
      const { uploadId } = interrupted as UploadInterruptedError;
      const client = live.client();
      expect((await client.uploads.listParts(uploadId)).parts.map((part) => part.number)).toEqual([1, 2]);

      const resuming = recordingFetch();
      const progress: UploadProgress[] = [];
      const asset = await live
        .client({ fetch: resuming.fetch })
        .upload(file, { resumeUploadId: uploadId, onProgress: (p) => progress.push(p) });
      expect(resuming.partPuts()).toEqual([3]);
      expect(progress[0]).toMatchObject({ uploadId, phase: 'sending', loaded: 2 * Math.ceil((16 * MiB) / 3) });
      expect((await client.uploads.retrieve(uploadId)).entityId).toBe(asset.id);
    });

    it('sends a small image as base64 and a refused file as an error carrying errorMessage', async () => {
      const recorder = recordingFetch();
      const client = live.client({ fetch: recorder.fetch });
      const image = await client.upload(await uniquePng(7), { name: 'tiny.png', hide: true });
      expect(image).toMatchObject({ kind: 'image', isHidden: true });
      expect(recorder.seen.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['POST /v1/assets']);

      const refused = await client.upload(new Uint8Array(64 * 1024).fill(7), { name: 'noise.mp3' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(UploadFailedError);
      expect((refused as UploadFailedError).errorMessage).toMatch(/\w/);
    });

    it('uploads a stream of known size and a Blob', async () => {
      const wav = makeWav(200_000, 9);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < wav.length; i += 65_536) controller.enqueue(wav.subarray(i, i + 65_536));
          controller.close();
        },
      });
      const client = live.client();
      expect((await client.upload(stream, { name: 'streamed.wav', size: wav.length })).kind).toBe('audio');
      const blob = new File([makeWav(100_000, 11)], 'blob.wav', { type: 'audio/wav' });
      expect((await client.upload(blob)).metadata.name).toBe('blob.wav');
    });
  });
}
