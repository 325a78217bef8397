import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartReceiver } from '../src/parts/part-receiver.ts';
import { PART_LINK_PURPOSE, partResource } from '../src/parts/receive-part.ts';
import type { LocalStorage } from '../src/storage/local/local-storage.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { makeWav } from './helpers/media.ts';
import { freePort, jsonApi, killAssetdProcesses, startServe } from './helpers/processes.ts';
import { completeUpload, createUpload, waitForUpload } from './helpers/uploads.ts';

announceSkips();
const MiB = 1024 * 1024;

const put = (url: string, body: Buffer) => fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });

describe.each(DATABASES)('the part receiver on $name', (target) => {
  let server: TestServer;
  let receiver: Server;
  beforeAll(async () => {
    if (target.skipReason) return;
    const port = await freePort();
    // Part URLs point at the receiver, which runs here in-process on the same folder and secret.
    server = await startTestServer(target, { ASSETD_PARTS_URL: `http://127.0.0.1:${port}` }, { jobs: true });
    const storage = server.container.storage as LocalStorage;
    const handle = createPartReceiver(storage.partIntake, server.container.signer, (error) => {
      throw error;
    });
    receiver = createServer((request, response) => void handle(request, response));
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await server?.dispose();
  });

  it.skipIf(target.skipReason)('takes the parts of an upload the API completes and imports', async () => {
    const wav = makeWav(11 * MiB, 31);
    const upload = await createUpload(server, {
      fileName: 'r.wav',
      contentType: 'audio/wav',
      kind: 'audio',
      parts: 2,
      fileSize: wav.length,
    });
    const size = Math.ceil(wav.length / 2);
    expect(upload.parts[0].url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/uploads\/upload_\w+\/parts\/1\?part=\w+&expires=\d+&signature=/);
    const responses = await Promise.all([put(upload.parts[1].url, wav.subarray(size)), put(upload.parts[0].url, wav.subarray(0, size))]);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
      expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
    }
    expect((await completeUpload(server, upload.id)).statusCode).toBe(200);
    const { upload: final } = await waitForUpload(server, upload.id);
    expect(final.status).toBe('imported');
    const asset = json(
      await server.app.inject({ method: 'GET', url: `/v1/assets/${final.entityId}`, headers: { authorization: basic(server.key) } }),
    ).asset;
    const url = new URL(asset.url);
    expect((await server.app.inject({ method: 'GET', url: url.pathname + url.search })).rawPayload.equals(wav)).toBe(true);
    // Completed: the receiver refuses more parts for it.
    const late = await put(upload.parts[0].url, wav.subarray(0, size));
    expect(late.status).toBe(409);
  });

  it.skipIf(target.skipReason)('refuses bad signatures, oversize parts, other routes, and parts of an aborted upload', async () => {
    const upload = await createUpload(server, { fileName: 'x.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: 100 });
    const url = new URL(upload.parts[0].url);
    const part = url.searchParams.get('part') as string;
    const expires = url.searchParams.get('expires') as string;
    const tampered = new URL(url);
    tampered.searchParams.set('signature', `${url.searchParams.get('signature')?.slice(0, -2)}AA`);
    expect((await put(tampered.toString(), Buffer.alloc(10))).status).toBe(403);
    const past = Math.floor(Date.now() / 1000) - 5;
    const expired = new URL(url);
    expired.searchParams.set('expires', String(past));
    expired.searchParams.set('signature', server.container.signer.sign(PART_LINK_PURPOSE, partResource(upload.id, 1, part), past));
    const expiredResponse = await put(expired.toString(), Buffer.alloc(10));
    expect(expiredResponse.status).toBe(403);
    expect(((await expiredResponse.json()) as { code: string }).code).toBe('URL_EXPIRED');
    const big = await put(url.toString(), Buffer.alloc(101));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe('PART_TOO_LARGE');
    expect((await fetch(`${url.origin}/v1/assets`)).status).toBe(404);
    expect((await fetch(url.toString())).status).toBe(405);
    const preflight = await fetch(url.toString(), { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('PUT');
    await server.app.inject({ method: 'DELETE', url: `/v1/uploads/${upload.id}`, headers: { authorization: basic(server.key) } });
    expect((await put(url.toString(), Buffer.alloc(10))).status).toBe(409);
    expect(Number(expires)).toBeGreaterThan(past);
  });
});

describe('assetd serve with ASSETD_PARTS_PORT', () => {
  it('starts a part-receiver process whose URLs the parts go to, and stops it with itself', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-receiver-'));
    const partsPort = await freePort();
    const key = { id: 'key_receiver', secret: 'receiver-secret-0123456789' };
    try {
      const serve = await startServe({
        ASSETD_DATA_DIR: dataDir,
        ASSETD_PARTS_PORT: String(partsPort),
        ASSETD_API_KEY: key.id,
        ASSETD_API_SECRET: key.secret,
        ASSETD_LOG_LEVEL: 'warn',
      });
      const api = jsonApi(serve.base, key);
      const wav = makeWav(4000, 5);
      const created = await api('POST', '/v1/uploads', {
        fileName: 'a.wav',
        contentType: 'audio/wav',
        kind: 'audio',
        parts: 1,
        fileSize: wav.length,
      });
      const [{ url: partUrl }] = created.body.upload.parts as [{ url: string }];
      expect(new URL(partUrl).port).toBe(String(partsPort));
      expect((await put(partUrl, wav)).status).toBe(200);
      const done = await api('POST', `/v1/uploads/${created.body.upload.id}/action`, { action: 'complete' });
      expect(done.body.upload.status).toBe('validating');
      expect(await serve.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      // The receiver went with it: its port is free again.
      await expect(fetch(partUrl, { method: 'OPTIONS' })).rejects.toThrow();
    } finally {
      await killAssetdProcesses();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
