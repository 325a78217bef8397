import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkExpiry } from '../src/auth/url-signer.ts';
import { FILE_LINK_PURPOSE } from '../src/http/file-links.ts';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES, STORAGES, storageEnv } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/http.ts';
import { svg, uniquePng } from './helpers/images.ts';

announceSkips();

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

describe.each(DATABASES)('serving files on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target);
  });
  afterAll(async () => server?.dispose());
  const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url, headers });

  it.skipIf(target.skipReason)('serves the bytes with safe headers, ranges and ETags', async () => {
    const png = await uniquePng(3000);
    const asset = await uploadImage(server, png);
    const full = await get(pathOf(asset.url));
    expect(full.statusCode).toBe(200);
    expect(full.headers).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(png.length),
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
    });
    expect(full.headers['content-security-policy']).toContain('sandbox');
    const etag = String(full.headers.etag);
    expect((await get(pathOf(asset.url), { 'if-none-match': etag })).statusCode).toBe(304);
    const part = await get(pathOf(asset.url), { range: 'bytes=1-8' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1-8/${png.length}`);
    expect(part.rawPayload.equals(png.subarray(1, 9))).toBe(true);
    const suffix = await get(pathOf(asset.url), { range: 'bytes=-4' });
    expect(suffix.rawPayload.equals(png.subarray(png.length - 4))).toBe(true);
    const outside = await get(pathOf(asset.url), { range: `bytes=${png.length + 10}-` });
    expect(outside.statusCode).toBe(416);
    expect(outside.headers['content-range']).toBe(`bytes */${png.length}`);
    const head = await server.app.inject({ method: 'HEAD', url: pathOf(asset.url) });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(png.length));
  });

  it.skipIf(target.skipReason)('serves SVG so that its script cannot run in our origin', async () => {
    const asset = await uploadImage(server, svg(10, 10));
    const response = await get(pathOf(asset.url));
    expect(response.headers['content-type']).toBe('image/svg+xml');
    expect(response.headers['content-security-policy']).toMatch(/default-src 'none'.*sandbox/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it.skipIf(target.skipReason)('refuses tampered, unsigned, foreign and expired links with 403', async () => {
    const asset = await uploadImage(server, await uniquePng(3001));
    const url = new URL(asset.url);
    const fileId = url.pathname.split('/').pop() as string;
    const other = new URL((await uploadImage(server, await uniquePng(3002))).url);
    const signature = url.searchParams.get('signature') as string;
    const expires = url.searchParams.get('expires') as string;
    const cases = [
      `${url.pathname}`,
      `${url.pathname}?expires=${expires}`,
      `${url.pathname}?expires=${Number(expires) + 300}&signature=${signature}`,
      `${url.pathname}?expires=${expires}&signature=${signature.slice(0, -2)}AA`,
      `${other.pathname}?expires=${expires}&signature=${signature}`,
      `${url.pathname}?expires=abc&signature=${signature}`,
    ];
    for (const link of cases) {
      const response = await get(link);
      expect(response.statusCode, link).toBe(403);
      expect(JSON.parse(response.body).message).toMatch(/request a fresh URL/);
    }
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = await get(`${url.pathname}?expires=${past}&signature=${server.container.signer.sign(FILE_LINK_PURPOSE, fileId, past)}`);
    expect(expired.statusCode).toBe(403);
    expect(JSON.parse(expired.body)).toMatchObject({ code: 'URL_EXPIRED' });
    // A correctly signed link for a file that does not exist is a 404, not a crash.
    const future = linkExpiry(600);
    const ghost = await get(
      `/files/file_ghost?expires=${future}&signature=${server.container.signer.sign(FILE_LINK_PURPOSE, 'file_ghost', future)}`,
    );
    expect(ghost.statusCode).toBe(404);
  });

  it.skipIf(target.skipReason)('builds links on ASSETD_PUBLIC_URL when set', async () => {
    const custom = await startTestServer(target, { ASSETD_PUBLIC_URL: 'https://assets.example.com/' });
    try {
      const asset = await uploadImage(custom, await uniquePng(3003));
      expect(asset.url).toMatch(/^https:\/\/assets\.example\.com\/files\/file_/);
    } finally {
      await custom.dispose();
    }
  });
});

/** Files kept in S3: served through this server (ASSETD_FILE_LINKS=server), or linked to S3 directly (the default). */
describe.each(STORAGES.filter((storage) => storage.name === 's3'))('serving files kept in $name', (storage) => {
  const sqlite = DATABASES[0] as (typeof DATABASES)[number];
  const test = it.skipIf(storage.skipReason);

  test('serves them through this server with ranges and safe headers when links go through it', async () => {
    const server = await startTestServer(sqlite, { ...storageEnv(storage), ASSETD_FILE_LINKS: 'server' });
    try {
      const png = await uniquePng(3100);
      const asset = await uploadImage(server, png);
      expect(new URL(asset.url).pathname).toMatch(/^\/files\/file_/);
      const full = await server.app.inject({ method: 'GET', url: pathOf(asset.url) });
      expect(full.statusCode).toBe(200);
      expect(full.headers['x-content-type-options']).toBe('nosniff');
      expect(full.rawPayload.equals(png)).toBe(true);
      const part = await server.app.inject({ method: 'GET', url: pathOf(asset.url), headers: { range: 'bytes=2-9' } });
      expect(part.statusCode).toBe(206);
      expect(part.rawPayload.equals(png.subarray(2, 10))).toBe(true);
    } finally {
      await server.dispose();
    }
  });

  test('links straight to S3 with presigned GETs: media inline, SVG as an attachment', async () => {
    const server = await startTestServer(sqlite, storageEnv(storage));
    try {
      const png = await uniquePng(3101);
      const picture = await uploadImage(server, png);
      const url = new URL(picture.url);
      expect(`${url.origin}/`).toBe(`${storage.endpoint}/`);
      expect(url.searchParams.get('response-content-type')).toBe('image/png');
      expect(url.searchParams.get('response-content-disposition')).toBe('inline');
      expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(png)).toBe(true);
      // Asked again within the same 5 minutes, the same URL: browsers can cache the file.
      const again = await server.app.inject({
        method: 'GET',
        url: `/v1/assets/${picture.id}`,
        headers: { authorization: `Basic ${Buffer.from(`${server.key.id}:${server.key.secret}`).toString('base64')}` },
      });
      expect(JSON.parse(again.body).asset.url).toBe(picture.url);
      const drawing = new URL((await uploadImage(server, svg(10, 10))).url);
      expect(drawing.searchParams.get('response-content-type')).toBe('image/svg+xml');
      expect(drawing.searchParams.get('response-content-disposition')).toBe('attachment');
    } finally {
      await server.dispose();
    }
  });
});
