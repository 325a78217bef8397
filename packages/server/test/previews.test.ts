import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/http.ts';
import { fixture } from './helpers/images.ts';
import { makeSineWav } from './helpers/media.ts';
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
function linkOf(asset: Record<string, unknown> | undefined, field: 'thumbnail' | 'preview' | 'waveform'): string {
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

  it.skipIf(target.skipReason).each([
    ['audio.mp3', 'audio/mpeg'],
    ['audio.ogg', 'audio/ogg'],
  ])('%s gets a waveform with the bundled ffmpeg: peaks for a player, a picture for its tile', async (name, contentType) => {
    const { upload, asset } = await uploadMultipart(server, fixture(name), { kind: 'audio', contentType });
    expect(upload.status).toBe('imported');
    const peaks = JSON.parse((await download(server, linkOf(asset, 'waveform'))).toString('utf8'));
    expect(peaks).toMatchObject({ version: 2, channels: 1, bits: 16, sample_rate: 22_050 });
    expect(peaks.data).toHaveLength(peaks.length * 2);
    // A 440 Hz sine at 1/8 of full scale (see test/fixtures/README.md).
    expect(Math.max(...peaks.data)).toBeGreaterThan(0.1 * 32_767);
    expect(Math.max(...peaks.data)).toBeLessThan(0.15 * 32_767);
    const thumbnail = await sharp(await download(server, linkOf(asset, 'thumbnail'))).metadata();
    expect(thumbnail).toMatchObject({ format: 'webp', width: 256, height: 128 });
  });

  it.skipIf(target.skipReason)("a WAV's waveform is read from its samples: a sine's peaks are its amplitude", async () => {
    const wav = makeSineWav({ seconds: 5, sampleRate: 8_000, frequency: 100, amplitude: 0.6, channels: 2 });
    const { asset } = await uploadMultipart(server, wav, { kind: 'audio', contentType: 'audio/wav' });
    const peaks = JSON.parse((await download(server, linkOf(asset, 'waveform'))).toString('utf8'));
    expect(peaks).toMatchObject({ sample_rate: 8_000, samples_per_pixel: 40, length: 1000 });
    const crest = Math.round(0.6 * 32_767);
    // 100 Hz at 8 kHz is 80 samples a period: every bucket of 40 holds a crest or a trough, the half periods alternate.
    for (let i = 0; i < peaks.length; i++) {
      const [min, max] = [peaks.data[2 * i], peaks.data[2 * i + 1]];
      expect(Math.max(Math.abs(min), Math.abs(max))).toBeGreaterThanOrEqual(crest - 1);
    }
    expect(Math.abs(Math.max(...peaks.data) - crest)).toBeLessThanOrEqual(1);
    expect(asset).not.toHaveProperty('previewError');
  });
});
