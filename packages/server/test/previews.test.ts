import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/http.ts';
import { fixture } from './helpers/images.ts';
import { uploadMultipart } from './helpers/uploads.ts';

announceSkips();

// A machine without ffmpeg: the PATH holds only Node's folder, so a system ffmpeg (if any) is
// hidden and frames must come from the binary npm installed. Set before anything looks it up.
const originalPath = process.env.PATH;
process.env.PATH = path.dirname(process.execPath);
afterAll(() => {
  process.env.PATH = originalPath;
});

/** The bytes behind a link this server signed. */
async function download(server: TestServer, url: string): Promise<Buffer> {
  const { pathname, search } = new URL(url);
  const response = await server.app.inject({ method: 'GET', url: pathname + search });
  if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${response.body}`);
  return response.rawPayload;
}

/** The signed link an asset holds in one of its preview fields; fails the test when it has none. */
function linkOf(asset: Record<string, unknown> | undefined, field: 'thumbnail' | 'preview'): string {
  const url = (asset?.[field] as { url?: string } | undefined)?.url;
  if (!url) throw new Error(`the asset has no ${field}: ${JSON.stringify(asset)}`);
  return url;
}

describe.each(DATABASES)('previews on $name', { timeout: 180_000 }, (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, {}, { jobs: true });
  });
  afterAll(async () => server?.dispose());

  it.skipIf(target.skipReason)('a video gets its frames with no ffmpeg on the PATH', async () => {
    const { asset } = await uploadMultipart(server, fixture('video.mp4'), { kind: 'video', contentType: 'video/mp4' });
    const first = asset?.firstFrame as { url: string } | undefined;
    const thumbnail = asset?.thumbnail as { url: string } | undefined;
    expect(first?.url).toBeTruthy();
    expect(thumbnail?.url).toBeTruthy();
    const meta = await sharp(await download(server, first?.url as string)).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: asset?.properties && (asset.properties as { width: number }).width });
  });

  it.skipIf(target.skipReason)('a 3D model gets a 256-px thumbnail and a 1024-px preview, rendered on the server', async () => {
    const { upload, asset } = await uploadMultipart(server, fixture('model-textured.gltf'), {
      kind: '3d',
      contentType: 'model/gltf+json',
      fileName: 'cube.gltf',
    });
    expect(upload.status).toBe('imported');
    const thumbnail = await sharp(await download(server, linkOf(asset, 'thumbnail'))).metadata();
    const preview = await sharp(await download(server, linkOf(asset, 'preview'))).metadata();
    expect(thumbnail).toMatchObject({ format: 'webp', width: 256, height: 256 });
    expect(preview).toMatchObject({ format: 'webp', width: 1024, height: 1024 });
    expect(asset).not.toHaveProperty('previewError');
  });

  it.skipIf(target.skipReason)('a HEIC photo gets a thumbnail', async () => {
    const { asset } = await uploadMultipart(server, fixture('image.heic'), { kind: 'image', contentType: 'image/heic' });
    const thumbnail = await sharp(await download(server, linkOf(asset, 'thumbnail'))).metadata();
    expect(thumbnail).toMatchObject({ format: 'webp', width: 64, height: 48 });
  });
});
