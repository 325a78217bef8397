import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';

announceSkips();

describe.each(DATABASES)('finding files already uploaded by their SHA-256 on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target);
  });
  afterAll(async () => server?.dispose());

  const find = (sha256: string, key = server.key) =>
    server.app.inject({ method: 'GET', url: `/v1/assets?sha256=${sha256}`, headers: { authorization: basic(key) } });

  it.skipIf(target.skipReason)("lists the project's assets with those bytes, and no one else's", async () => {
    const png = await uniquePng(95);
    const sha256 = createHash('sha256').update(png).digest('hex');
    expect(json(await find(sha256)).assets).toEqual([]);
    const asset = await uploadImage(server, png);
    expect(json(await find(sha256)).assets.map((a: { id: string }) => a.id)).toEqual([asset.id]);
    expect(json(await find(sha256.toUpperCase())).assets.map((a: { id: string }) => a.id)).toEqual([asset.id]);
    // The same bytes are stored once, but another team never learns that they exist.
    expect(json(await find(sha256, server.otherKey)).assets).toEqual([]);
    expect((await find('abc')).statusCode).toBe(400);
  });
});
