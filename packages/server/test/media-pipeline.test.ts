import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg } from '../src/media/ffmpeg.ts';
import { AUDIO_REFERENCES, MODEL_REFERENCES, VIDEO_REFERENCES } from './fixtures/reference-values.ts';
import { footprint } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, startTestServer, type TestServer } from './helpers/http.ts';
import { fixture } from './helpers/images.ts';
import { jobsSettled, uploadMultipart } from './helpers/uploads.ts';

announceSkips();

const ffmpeg = await findFfmpeg();

/**
 * The validation pipeline through the real multipart flow of spec 000: every supported audio,
 * video and 3D format ends `imported` with the properties ffprobe or a reference count gives,
 * and each way a file can be wrong ends `failed` with a message that says which, leaving no
 * asset and no bytes behind.
 */
describe.each(DATABASES)('the media pipeline on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, {}, { jobs: true });
  });
  afterAll(async () => server?.dispose());
  const multipartDirs = async () => readdir(path.join(server.dataDir, 'files', 'multipart')).catch(() => [] as string[]);

  it.skipIf(target.skipReason).each(AUDIO_REFERENCES)('imports $file with the properties ffprobe reports', async (reference) => {
    const bytes = fixture(reference.file);
    const { upload, asset } = await uploadMultipart(server, bytes, {
      kind: 'audio',
      contentType: reference.contentType,
      fileName: reference.file,
    });
    expect(upload).toMatchObject({ status: 'imported' });
    expect(asset).toMatchObject({ kind: 'audio', mimeType: reference.mimeType });
    expect(asset?.properties).toEqual({
      duration: expect.closeTo(reference.duration, 3),
      sampleRate: reference.sampleRate,
      channels: reference.channels,
      bitrate: reference.bitrate,
      codecName: reference.codecName,
      size: bytes.length,
      format: reference.format,
    });
  });

  it.skipIf(target.skipReason).each(VIDEO_REFERENCES)('imports $file with the properties ffprobe reports', async (reference) => {
    const bytes = fixture(reference.file);
    const { upload, asset } = await uploadMultipart(server, bytes, {
      kind: 'video',
      contentType: reference.contentType,
      fileName: reference.file,
    });
    expect(upload).toMatchObject({ status: 'imported' });
    expect(asset).toMatchObject({ kind: 'video', mimeType: reference.contentType });
    expect(asset?.properties).toEqual({
      width: reference.width,
      height: reference.height,
      duration: expect.closeTo(reference.duration, 3),
      frameRate: reference.frameRate,
      nbFrames: reference.nbFrames,
      codecName: reference.codecName,
      bitrate: reference.bitrate,
      size: bytes.length,
      format: reference.format,
      ...(reference.sampleRate ? { sampleRate: reference.sampleRate, channels: reference.channels } : {}),
    });
    // The first frame's preview, when ffmpeg is there to decode it.
    if (ffmpeg) expect(asset?.thumbnail).toMatchObject({ url: expect.any(String) });
  });

  it.skipIf(target.skipReason || !ffmpeg)("stores a video's first and last frames, and removes them with the asset", async () => {
    await jobsSettled(server);
    const before = await footprint(server);
    const { asset } = await uploadMultipart(server, fixture('video.mp4'), { kind: 'video', contentType: 'video/mp4' });
    await jobsSettled(server);
    const frames = [asset?.firstFrame, asset?.lastFrame, asset?.thumbnail] as Array<{ url: string } | undefined>;
    for (const frame of frames) {
      expect(frame?.url).toMatch(/\/files\/file_/);
      const url = new URL(frame?.url as string);
      const response = await server.app.inject({ method: 'GET', url: url.pathname + url.search });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('image/webp');
    }
    const removed = await server.app.inject({
      method: 'DELETE',
      url: `/v1/assets/${asset?.id}`,
      headers: { authorization: basic(server.key) },
    });
    expect(removed.statusCode).toBe(200);
    expect(await footprint(server)).toEqual(before);
  });

  it.skipIf(target.skipReason).each(MODEL_REFERENCES)('imports $file with its reference counts', async (reference) => {
    const bytes = fixture(reference.file);
    const { upload, asset } = await uploadMultipart(server, bytes, {
      kind: '3d',
      contentType: reference.contentType,
      fileName: reference.file,
    });
    expect(upload).toMatchObject({ status: 'imported' });
    expect(asset).toMatchObject({ kind: '3d', mimeType: reference.contentType });
    expect(asset?.properties).toEqual({ ...reference.properties, size: bytes.length });
  });

  it.skipIf(target.skipReason)('fails each wrong file with a message that says what is wrong, and leaves nothing behind', async () => {
    const brokenGlb = Buffer.from(fixture('model.glb'));
    brokenGlb.writeUInt32LE(0xdeadbeef, 4);
    const cases = [
      {
        what: 'a text file uploaded as image/png',
        bytes: fixture('not-an-image.txt'),
        options: { kind: 'image', contentType: 'image/png' },
        message: /^The file is plain text.*, not in a supported format: upload an image/,
      },
      {
        what: 'an MP3 uploaded as kind video',
        bytes: fixture('audio.mp3'),
        options: { kind: 'video', contentType: 'video/mp4' },
        message:
          /^The file is a MP3 audio \(audio\/mpeg\), but the upload declared kind "video": create the upload again with kind "audio" and contentType "audio\/mpeg"$/,
      },
      {
        what: 'a truncated MP4',
        bytes: fixture('truncated.mp4'),
        options: { kind: 'video', contentType: 'video/mp4' },
        message: /^The MP4 video is truncated \(the file has 3,100 bytes, but its structure declares 6,200\): upload the complete file$/,
      },
      {
        what: 'a GLB with a broken header',
        bytes: brokenGlb,
        options: { kind: '3d', contentType: 'model/gltf-binary' },
        message: /^The GLB 3D model could not be read \(broken header: it declares version 3735928559, not 2\)/,
      },
      {
        what: 'a 100,000 × 100,000 PNG',
        bytes: fixture('bomb.png'),
        options: { kind: 'image', contentType: 'image/png' },
        message: /^The image is 100000×100000 pixels, more than the 268,402,689-pixel limit: resize it and upload again$/,
      },
    ];
    await jobsSettled(server);
    const before = await footprint(server);
    const dirs = await multipartDirs();
    for (const { what, bytes, options, message } of cases) {
      const { upload, asset, seen } = await uploadMultipart(server, bytes, options);
      expect(upload.status, what).toBe('failed');
      expect(upload.errorMessage, what).toMatch(message);
      expect(seen.at(-1), what).toBe('failed');
      expect(asset, what).toBeUndefined();
    }
    await jobsSettled(server);
    expect(await footprint(server)).toEqual(before);
    expect(await multipartDirs()).toEqual(dirs);
  });
});
