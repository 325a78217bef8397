import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkExpiry } from '../src/auth/url-signer.ts';
import { renditionKey, renditionPrefix } from '../src/files/file-store.ts';
import { Renditions } from '../src/files/renditions.ts';
import { fileLinker, RENDITION_LINK_PURPOSE, renditionLinkResource } from '../src/http/file-links.ts';
import { renditionOf } from '../src/media/rendition.ts';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES, STORAGES, storageEnv } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { fixture, makeImage } from './helpers/images.ts';

announceSkips();

/**
 * Renditions on demand (issue #15, item 6): resized copies of an image behind signed links that
 * grant one size only, drawn once and served from storage after, deleted with their file, kept
 * by the collector while their file lives.
 */
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

interface RenditionLink {
  url: string;
  pixelRatio: number;
  width: number;
  height: number;
  mimeType: string;
}

const sqlite = DATABASES[0] as (typeof DATABASES)[number];
const s3 = STORAGES.find((storage) => storage.name === 's3') as (typeof STORAGES)[number];
const TARGETS = [
  ...DATABASES.map((database) => ({ name: `${database.name}, local disk`, database, env: {}, skipReason: database.skipReason })),
  {
    name: 'sqlite, S3 (links to the originals presigned)',
    database: sqlite,
    env: s3.skipReason ? {} : storageEnv(s3),
    skipReason: s3.skipReason,
  },
];

describe.each(TARGETS)('renditions on $name', { timeout: 60_000 }, (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target.database, target.env);
  });
  afterAll(async () => server?.dispose());
  const test = it.skipIf(target.skipReason);
  const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url: pathOf(url), headers });

  async function assetWithRenditions(image: Buffer, query: string) {
    const uploaded = await uploadImage(server, image);
    const response = await server.app.inject({
      method: 'GET',
      url: `/v1/assets/${uploaded.id}?${query}`,
      headers: { authorization: basic(server.key) },
    });
    expect(response.statusCode).toBe(200);
    const asset = json(response).asset;
    const fileId = (
      await server.container.db.kysely.selectFrom('assets').select('file_id').where('id', '=', asset.id).executeTakeFirstOrThrow()
    ).file_id;
    return { asset, fileId, renditions: (asset.renditions ?? []) as RenditionLink[] };
  }

  test('a grid tile at 1x and 2x: the right size and format, drawn once, then served from storage', async () => {
    const { asset, fileId, renditions } = await assetWithRenditions(
      await makeImage('png', 640, 480, { seed: 1 }),
      'renditionWidth=200&renditionHeight=200&renditionPixelRatios=1,2',
    );
    expect(asset.thumbnail.url).toBeTruthy(); // the thumbnail stays as it is
    expect(renditions.map(({ pixelRatio, width, height, mimeType }) => ({ pixelRatio, width, height, mimeType }))).toEqual([
      { pixelRatio: 1, width: 200, height: 200, mimeType: 'image/webp' },
      { pixelRatio: 2, width: 400, height: 400, mimeType: 'image/webp' },
    ]);
    for (const rendition of renditions) {
      expect(new URL(rendition.url).pathname).toBe(`/files/${fileId}`);
      const first = await get(rendition.url);
      expect(first.statusCode).toBe(200);
      expect(first.headers).toMatchObject({
        'content-type': 'image/webp',
        'x-rendition-cache': 'miss',
        'x-content-type-options': 'nosniff',
      });
      expect(await sharp(first.rawPayload).metadata()).toMatchObject({ format: 'webp', width: rendition.width, height: rendition.height });
      // Kept in storage under the file's folder, by the rendition's canonical name.
      const key = renditionKey(fileId, `w${rendition.width}-h${rendition.height}-cover-q80.webp`);
      expect(await server.container.storage.size(key)).toBe(first.rawPayload.length);
      const second = await get(rendition.url);
      expect(second.statusCode).toBe(200);
      expect(second.headers['x-rendition-cache']).toBe('hit');
      expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
      expect((await get(rendition.url, { 'if-none-match': String(second.headers.etag) })).statusCode).toBe(304);
      const head = await server.app.inject({ method: 'HEAD', url: pathOf(rendition.url) });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-length']).toBe(String(first.rawPayload.length));
      expect(head.rawPayload.length).toBe(0);
    }
  });

  test('every fit and format, never enlarged, EXIF orientation applied', async () => {
    const png = await makeImage('png', 600, 300, { seed: 2, alpha: true });
    const cases: Array<[string, { format: string; width: number; height: number }]> = [
      ['renditionWidth=150&renditionPixelRatios=1', { format: 'webp', width: 150, height: 75 }],
      ['renditionHeight=100&renditionFormat=avif&renditionPixelRatios=1', { format: 'heif', width: 200, height: 100 }],
      [
        'renditionWidth=100&renditionHeight=100&renditionFit=contain&renditionFormat=jpeg&renditionPixelRatios=1',
        { format: 'jpeg', width: 100, height: 100 },
      ],
      [
        'renditionWidth=100&renditionHeight=100&renditionFit=inside&renditionFormat=png&renditionPixelRatios=1',
        { format: 'png', width: 100, height: 50 },
      ],
      ['renditionWidth=120&renditionFormat=origin&renditionPixelRatios=1', { format: 'png', width: 120, height: 60 }],
      // Larger than the original: the largest box of that shape the original fills.
      ['renditionWidth=1000&renditionHeight=1000&renditionPixelRatios=1', { format: 'webp', width: 300, height: 300 }],
    ];
    for (const [query, expected] of cases) {
      const { renditions } = await assetWithRenditions(png, query);
      expect(renditions, query).toHaveLength(1);
      const [rendition] = renditions as [RenditionLink];
      expect({ width: rendition.width, height: rendition.height }, query).toEqual({ width: expected.width, height: expected.height });
      const response = await get(rendition.url);
      expect(response.statusCode, query).toBe(200);
      expect(response.headers['content-type'], query).toBe(rendition.mimeType);
      expect(await sharp(response.rawPayload).metadata(), query).toMatchObject(expected);
    }
    // A 2x the original is too small for is left out: the 1x is already the whole image.
    const small = await assetWithRenditions(await makeImage('png', 150, 100, { seed: 3 }), 'renditionWidth=150');
    expect(small.renditions.map((r) => [r.pixelRatio, r.width, r.height])).toEqual([[1, 150, 100]]);
    // Stored 40×30 with orientation 6: displayed, and resized, as 30×40.
    const rotated = await assetWithRenditions(fixture('rotated.jpg'), 'renditionWidth=15&renditionPixelRatios=1');
    expect(rotated.renditions.map((r) => [r.width, r.height])).toEqual([[15, 20]]);
    const response = await get((rotated.renditions[0] as RenditionLink).url);
    expect(await sharp(response.rawPayload).metadata()).toMatchObject({ width: 15, height: 20 });
    // HEIC, which browsers cannot show, as WebP.
    const heic = await assetWithRenditions(fixture('image.heic'), 'renditionWidth=32&renditionPixelRatios=1');
    const heicResponse = await get((heic.renditions[0] as RenditionLink).url);
    expect(await sharp(heicResponse.rawPayload).metadata()).toMatchObject({ format: 'webp', width: 32, height: 24 });
  });

  test('a link grants its size only: a tampered size, format or quality, or no parameters at all, is refused with 403', async () => {
    const { fileId, renditions } = await assetWithRenditions(
      await makeImage('png', 400, 400, { seed: 4 }),
      'renditionWidth=100&renditionPixelRatios=1',
    );
    const link = new URL((renditions[0] as RenditionLink).url);
    const tampered = (change: (params: URLSearchParams) => void) => {
      const url = new URL(link);
      change(url.searchParams);
      return url.toString();
    };
    for (const url of [
      tampered((p) => p.set('width', '400')),
      tampered((p) => p.set('height', '100')),
      tampered((p) => p.set('format', 'png')),
      tampered((p) => p.set('quality', '100')),
      tampered((p) => {
        for (const name of ['width', 'format', 'quality']) p.delete(name);
      }),
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(403);
      expect(json(response).code).toBe('INVALID_SIGNATURE');
    }
    // A plain link to the original (through this server, as ASSETD_FILE_LINKS=server makes them) grants no rendition either.
    const file = await server.container.files.find(fileId);
    const original = fileLinker(server.container.signer, 600, 'http://127.0.0.1', server.key.id)(file as NonNullable<typeof file>);
    expect((await get(original)).statusCode).toBe(200);
    const resized = new URL(original);
    resized.searchParams.set('width', '10');
    expect((await get(resized.toString())).statusCode).toBe(403);
    // A default spelt out is the same rendition: still valid.
    expect((await get(tampered((p) => p.set('quality', '80')))).statusCode).toBe(200);
  });

  test('concurrent first requests draw one rendition and leave one whole copy in storage', async () => {
    const { fileId, renditions } = await assetWithRenditions(
      await makeImage('jpeg', 800, 600, { seed: 5 }),
      'renditionWidth=300&renditionPixelRatios=1',
    );
    const url = (renditions[0] as RenditionLink).url;
    const responses = await Promise.all(Array.from({ length: 8 }, () => get(url)));
    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expect(response.rawPayload.equals((responses[0] as (typeof responses)[number]).rawPayload)).toBe(true);
    }
    const kept: string[] = [];
    for await (const object of server.container.storage.listObjects(renditionPrefix(fileId))) kept.push(object.key);
    expect(kept).toEqual([renditionKey(fileId, 'w300-q80.webp')]);
  });

  test('renditions go with their file, and the collector keeps those of live files only', async () => {
    const { asset, fileId, renditions } = await assetWithRenditions(await makeImage('png', 300, 300, { seed: 6 }), 'renditionWidth=50');
    for (const rendition of renditions) expect((await get(rendition.url)).statusCode).toBe(200);
    const { storage, collector } = server.container;
    // Leftovers the collector must take: a temporary of a write that died, a rendition of a file that is gone.
    await storage.putBuffer(`${renditionPrefix(fileId)}w50-q80.webp.x1y2z3.part`, Buffer.from('half'));
    await storage.putBuffer(renditionKey('file_gone00000000000000000000ab', 'w50-q80.webp'), Buffer.from('orphan'));
    const later = Date.now() + server.config.collector.graceSeconds * 1000 + 60_000;
    await collector.sweep(later);
    const left = async (prefix: string) => {
      const keys: string[] = [];
      for await (const object of storage.listObjects(prefix)) keys.push(object.key);
      return keys.sort();
    };
    expect(await left(renditionPrefix(fileId))).toEqual(
      [renditionKey(fileId, 'w50-q80.webp'), renditionKey(fileId, 'w100-q80.webp')].sort(),
    );
    expect(await left(renditionPrefix('file_gone00000000000000000000ab'))).toEqual([]);
    // The asset goes, its file goes, its renditions go.
    const deleted = await server.app.inject({
      method: 'DELETE',
      url: `/v1/assets/${asset.id}`,
      headers: { authorization: basic(server.key) },
    });
    expect(deleted.statusCode).toBe(200);
    expect(await left(renditionPrefix(fileId))).toEqual([]);
    expect((await get((renditions[0] as RenditionLink).url)).statusCode).toBe(404);
  });

  test('a file keeps at most its cap of renditions; past it they are drawn and served, not kept', async () => {
    const uploaded = await uploadImage(server, await makeImage('png', 200, 200, { seed: 7 }));
    const row = await server.container.db.kysely
      .selectFrom('assets')
      .select('file_id')
      .where('id', '=', uploaded.id)
      .executeTakeFirstOrThrow();
    const file = await server.container.files.find(row.file_id);
    const renditions = new Renditions(server.container.storage, { maxPixels: 1e8, maxPerFile: 2 });
    for (const width of [10, 20, 30]) await renditions.open(file as NonNullable<typeof file>, renditionOf({ width }));
    const third = await renditions.open(file as NonNullable<typeof file>, renditionOf({ width: 30 }));
    expect(third.cached).toBe(false);
    expect(third.size).toBeGreaterThan(0);
    let kept = 0;
    for await (const _ of server.container.storage.listObjects(renditionPrefix(row.file_id))) kept++;
    expect(kept).toBe(2);
  });

  test('size parameters on a link to something that is not an image are refused', async () => {
    // Any stored file of another type will do (the API hands out no such link): make one directly.
    const pending = await server.container.files.uploadBuffer(Buffer.from('{"not":"an image"}'), 'application/json');
    await server.container.files.commit([pending], async () => {});
    const rendition = renditionOf({ width: 10 });
    const expires = linkExpiry(600);
    const signature = server.container.signer.sign(
      RENDITION_LINK_PURPOSE,
      renditionLinkResource(pending.id, undefined, rendition),
      expires,
    );
    const refused = await server.app.inject({
      method: 'GET',
      url: `/files/${pending.id}?width=10&format=webp&quality=80&expires=${expires}&signature=${signature}`,
    });
    expect(refused.statusCode).toBe(400);
    expect(json(refused).code).toBe('RENDITION_UNSUPPORTED');
  });
});
