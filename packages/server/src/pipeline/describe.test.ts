import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_REFERENCES } from '../../test/fixtures/reference-values.ts';
import { fixtureFile, scratchFolder } from '../../test/helpers/media-files.ts';
import { findFfmpeg } from '../media/ffmpeg.ts';
import { describeFile } from './describe.ts';
import { detectFormat } from './detect.ts';

const MAX_PIXELS = 268_402_689;
const ffmpeg = await findFfmpeg();

let scratch: Awaited<ReturnType<typeof scratchFolder>>;
beforeAll(async () => {
  scratch = await scratchFolder();
});
afterAll(async () => scratch.dispose());

describe('describeFile', () => {
  it('describes a video without frames when no frame extractor is available', async () => {
    const description = await describeFile(fixtureFile('video.mp4'), { maxPixels: MAX_PIXELS, ffmpeg: false });
    expect(description).toMatchObject({ kind: 'video', mimeType: 'video/mp4', format: 'mp4', width: 64, height: 48 });
    expect(description.properties).toMatchObject({ width: 64, height: 48, codecName: 'h264', sampleRate: 22050, channels: 1 });
    expect(description).not.toHaveProperty('thumbnail');
    expect(description).not.toHaveProperty('frames');
  });

  it.skipIf(!ffmpeg)('adds the first and last frames and a thumbnail when ffmpeg is there', async () => {
    const description = await describeFile(fixtureFile('video.webm'), { maxPixels: MAX_PIXELS });
    expect(description.frames?.mimeType).toBe('image/webp');
    expect(await sharp(description.frames?.first).metadata()).toMatchObject({ width: 64, height: 48 });
    expect(await sharp(description.frames?.last).metadata()).toMatchObject({ width: 64, height: 48 });
    expect(await sharp(description.thumbnail).metadata()).toMatchObject({ format: 'webp' });
  });

  it('decodes no frame of a video over the pixel limit, and still describes it', async () => {
    const description = await describeFile(fixtureFile('video.mov'), { maxPixels: 1000 });
    expect(description).toMatchObject({ kind: 'video', format: 'mov', mimeType: 'video/quicktime' });
    expect(description).not.toHaveProperty('frames');
  });

  it('lets the tracks decide the kind: an MP4 holding only sound is audio', async () => {
    const file = fixtureFile('audio-only.mp4');
    expect((await detectFormat(file))?.kind).toBe('video');
    const description = await describeFile(file, { maxPixels: MAX_PIXELS });
    expect(description).toMatchObject({ kind: 'audio', mimeType: 'audio/mp4', format: 'm4a' });
    expect(description.properties).toMatchObject({ codecName: 'aac', sampleRate: 22050, channels: 2 });
  });

  it.each(MODEL_REFERENCES)('$file: a 3D model with its counts', async ({ file, properties }) => {
    const description = await describeFile(fixtureFile(file), { maxPixels: MAX_PIXELS });
    expect(description).toMatchObject({ kind: '3d', format: properties.format });
    expect(description.properties).toEqual({ ...properties, size: fixtureFile(file).size });
  });

  it('names text for what it is, and the type it was declared as', async () => {
    await expect(describeFile(fixtureFile('not-an-image.txt'), { maxPixels: MAX_PIXELS, declaredType: 'image/png' })).rejects.toMatchObject(
      {
        code: 'UNSUPPORTED_FORMAT',
        message: expect.stringMatching(/^The file is plain text \(declared as image\/png\), not in a supported format: upload an image/),
      },
    );
    const binary = await scratch.stage(Buffer.from([0, 1, 2, 3, 250, 251, 252, 0, 9]), 'blob');
    await expect(describeFile(binary, { maxPixels: MAX_PIXELS })).rejects.toThrow(
      /^The file is binary data, not in a supported format: upload/,
    );
  });

  it('refuses a truncated MP4', async () => {
    await expect(describeFile(fixtureFile('truncated.mp4'), { maxPixels: MAX_PIXELS })).rejects.toThrow(
      'The MP4 video is truncated (the file has 3,100 bytes, but its structure declares 6,200): upload the complete file',
    );
  });

  it('refuses a GLB with a broken header', async () => {
    const bytes = await readFile(fixtureFile('model.glb').path);
    bytes.writeUInt32LE(0xdeadbeef, 4);
    await expect(describeFile(await scratch.stage(bytes, 'broken.glb'), { maxPixels: MAX_PIXELS })).rejects.toThrow(
      /^The GLB 3D model could not be read \(broken header: it declares version 3735928559, not 2\)/,
    );
  });
});
