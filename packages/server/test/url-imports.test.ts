import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { makeImage } from './helpers/images.ts';
import { createUpload, waitForUpload } from './helpers/uploads.ts';

announceSkips();

const WEIGHTS = Buffer.from('not really safetensors, but bytes all the same');

/** An origin on loopback playing a web server and both model hubs; every request is noted. */
async function startOrigin(png: Buffer, otherPort: () => number) {
  const paths: string[] = [];
  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '/';
    paths.push(url);
    const send = (status: number, body: Buffer | string, type = 'application/octet-stream') => {
      response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      response.end(body);
    };
    const redirect = (location: string) => {
      response.writeHead(302, { location });
      response.end();
    };
    switch (url) {
      case '/media/picture.png':
        return send(200, png, 'image/png');
      case '/media/to-loopback':
        return redirect(`http://127.0.0.1:${otherPort()}/secret`);
      case '/media/to-metadata':
        return redirect('http://169.254.169.254/latest/meta-data/');
      case '/api/models/acme/tiny':
        return send(
          200,
          JSON.stringify({ siblings: [{ rfilename: 'README.md' }, { rfilename: 'model.safetensors' }] }),
          'application/json',
        );
      case '/acme/tiny/resolve/main/model.safetensors':
        return send(200, WEIGHTS);
      case '/api/v1/models/123':
        return send(
          200,
          JSON.stringify({
            modelVersions: [
              { id: 456, files: [{ name: 'tiny.safetensors', primary: true, type: 'Model', downloadUrl: `${origin}/download/456` }] },
            ],
          }),
          'application/json',
        );
      case '/download/456':
        return send(200, WEIGHTS);
      default:
        return send(404, 'not here', 'text/plain');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return { origin, host: `127.0.0.1:${port}`, paths, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.each(DATABASES)('imports from URLs and model hubs on $name', (target) => {
  let server: TestServer;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let elsewhere: Awaited<ReturnType<typeof startOrigin>>;
  let png: Buffer;
  beforeAll(async () => {
    if (target.skipReason) return;
    png = await makeImage('png', 21, 13, { seed: 900 });
    elsewhere = await startOrigin(png, () => 1);
    origin = await startOrigin(png, () => Number(elsewhere.host.split(':')[1]));
    server = await startTestServer(
      target,
      // Only this origin may be reached on loopback, as an internal mirror would be.
      { ASSETD_IMPORT_ALLOWED_HOSTS: origin.host, ASSETD_HUGGINGFACE_URL: origin.origin, ASSETD_CIVITAI_URL: origin.origin },
      { jobs: true },
    );
  });
  afterAll(async () => {
    await server?.dispose();
    await origin?.close();
    await elsewhere?.close();
  });

  const create = (body: Record<string, unknown>) =>
    server.app.inject({ method: 'POST', url: '/v1/uploads', headers: { authorization: basic(server.key) }, payload: body });

  it.skipIf(target.skipReason)('downloads a URL in a job and imports it like an upload', async () => {
    const upload = await createUpload(server, { url: `${origin.origin}/media/picture.png`, kind: 'image' });
    expect(upload).toMatchObject({
      source: 'url',
      provider: 'other',
      url: `${origin.origin}/media/picture.png`,
      kind: 'image',
      entityId: null,
    });
    const { upload: final } = await waitForUpload(server, upload.id);
    expect(final).toMatchObject({ status: 'imported', fileName: 'picture.png', fileSize: png.length });
    const asset = json(
      await server.app.inject({ method: 'GET', url: `/v1/assets/${final.entityId}`, headers: { authorization: basic(server.key) } }),
    ).asset;
    expect(asset).toMatchObject({ kind: 'image', mimeType: 'image/png', properties: { width: 21, height: 13 } });
    const bytes = await server.app.inject({ method: 'GET', url: new URL(asset.url).pathname + new URL(asset.url).search });
    expect(bytes.rawPayload.equals(png)).toBe(true);
  });

  it.skipIf(target.skipReason)('refuses loopback, private and link-local targets before fetching anything', async () => {
    const before = elsewhere.paths.length;
    for (const url of [
      `http://127.0.0.1:${elsewhere.host.split(':')[1]}/media/picture.png`,
      'http://10.0.0.1/picture.png',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/x',
      'http://2130706433/x',
    ]) {
      const response = await create({ url, kind: 'image' });
      expect(response.statusCode, url).toBe(403);
      expect(json(response)).toMatchObject({ code: 'IMPORT_URL_FORBIDDEN' });
    }
    expect(elsewhere.paths.length).toBe(before);
    for (const [body, message] of [
      [{ url: `${origin.origin}/media/picture.png` }, /kind is required with url/],
      [{ url: 'ftp://example.com/x', kind: 'image' }, /http/],
      [{ url: 'not a url', kind: 'image' }, /./],
      [{ url: 'http://user:pass@example.com/x', kind: 'image' }, /user name/],
    ] as const) {
      const response = await create(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(json(response).message).toMatch(message);
    }
  });

  it.skipIf(target.skipReason)('refuses a redirect to loopback or to the metadata service, and ends the upload failed', async () => {
    for (const path of ['/media/to-loopback', '/media/to-metadata']) {
      const before = elsewhere.paths.length;
      const upload = await createUpload(server, { url: `${origin.origin}${path}`, kind: 'image' });
      const { upload: final } = await waitForUpload(server, upload.id);
      expect(final.status, path).toBe('failed');
      expect(final.errorMessage, path).toMatch(/loopback|link-local|private/i);
      expect(elsewhere.paths.length).toBe(before);
    }
  });

  it.skipIf(target.skipReason)('fails an import whose source answers 404, without retrying', async () => {
    const upload = await createUpload(server, { url: `${origin.origin}/media/gone.png`, kind: 'image' });
    const { upload: final } = await waitForUpload(server, upload.id);
    expect(final.status).toBe('failed');
    expect(final.errorMessage).toMatch(/404/);
    expect(origin.paths.filter((p) => p === '/media/gone.png')).toHaveLength(1);
  });

  it.skipIf(target.skipReason)('imports a Hugging Face model by name', async () => {
    const upload = await createUpload(server, { huggingFaceModelName: 'acme/tiny' });
    expect(upload).toMatchObject({ source: 'huggingface', provider: 'huggingface', kind: 'model' });
    const { upload: final } = await waitForUpload(server, upload.id);
    expect(final.status, final.errorMessage).toBe('imported');
    const asset = json(
      await server.app.inject({ method: 'GET', url: `/v1/assets/${final.entityId}`, headers: { authorization: basic(server.key) } }),
    ).asset;
    expect(asset).toMatchObject({ kind: 'model', properties: { size: WEIGHTS.length } });
  });

  it.skipIf(target.skipReason)('imports a Civitai model by its page URL', async () => {
    const upload = await createUpload(server, { civitaiModelUrl: 'https://civitai.com/models/123/tiny-model' });
    expect(upload).toMatchObject({ source: 'civitai', provider: 'civitai', kind: 'model' });
    const { upload: final } = await waitForUpload(server, upload.id);
    expect(final.status, final.errorMessage).toBe('imported');
  });

  it.skipIf(target.skipReason)('fails a hub import of a model that does not exist, with a message', async () => {
    const upload = await createUpload(server, { huggingFaceModelName: 'acme/missing' });
    const { upload: final } = await waitForUpload(server, upload.id);
    expect(final.status).toBe('failed');
    expect(final.errorMessage).toMatch(/404|not found/i);
    const bad = await create({ huggingFaceModelName: '../etc' });
    expect([200, 400]).toContain(bad.statusCode);
  });
});
