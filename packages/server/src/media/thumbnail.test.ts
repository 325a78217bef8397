import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeImage, svg } from '../../test/helpers/images.ts';
import { AppError } from '../errors.ts';
import type { ImageFormat } from './image.ts';
import { makeThumbnail, THUMBNAIL_MIME } from './thumbnail.ts';

/** The default of ASSETD_MAX_IMAGE_PIXELS. */
const MAX_PIXELS = 268_402_689;

let dir: string;
let count = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'assetd-thumbnail-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function stage(bytes: Buffer): Promise<string> {
  const file = path.join(dir, `${++count}`);
  await writeFile(file, bytes);
  return file;
}

/** Checks the WebP magic bytes, then reads the thumbnail back with sharp. */
async function readWebp(thumbnail: Buffer) {
  expect(thumbnail.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(thumbnail.subarray(8, 12).toString('latin1')).toBe('WEBP');
  const meta = await sharp(thumbnail).metadata();
  expect(meta.format).toBe('webp');
  return meta;
}

describe('makeThumbnail', () => {
  it('is a WebP', () => {
    expect(THUMBNAIL_MIME).toBe('image/webp');
  });

  it.each([
    { width: 1000, height: 500, expected: [256, 128] },
    { width: 300, height: 1200, expected: [64, 256] },
    { width: 600, height: 600, expected: [256, 256] },
    { width: 400, height: 300, expected: [256, 192] },
  ])('fits $width×$height inside 256×256, keeping the aspect ratio', async ({ width, height, expected }) => {
    const input = await stage(await makeImage('png', width, height));
    const meta = await readWebp(await makeThumbnail(input, 'png', MAX_PIXELS));
    expect([meta.width, meta.height]).toEqual(expected);
  });

  it.each(['png', 'jpeg', 'gif', 'webp', 'avif', 'tiff'] as const)('reads %s', async (format) => {
    const input = await stage(await makeImage(format, 512, 384));
    const meta = await readWebp(await makeThumbnail(input, format, MAX_PIXELS));
    expect([meta.width, meta.height]).toEqual([256, 192]);
  });

  it('does not enlarge a small image', async () => {
    const input = await stage(await makeImage('png', 40, 30));
    const meta = await readWebp(await makeThumbnail(input, 'png', MAX_PIXELS));
    expect([meta.width, meta.height]).toEqual([40, 30]);
  });

  it('renders an SVG from its bytes', async () => {
    const meta = await readWebp(await makeThumbnail(svg(1200, 800), 'svg', MAX_PIXELS));
    expect([meta.width, meta.height]).toEqual([256, 171]);
  });

  it('applies the EXIF orientation', async () => {
    const meta = await readWebp(await makeThumbnail(await stage(fixture('rotated.jpg')), 'jpeg', MAX_PIXELS));
    expect([meta.width, meta.height]).toEqual([30, 40]);
  });

  it('takes the first frame of an animation', async () => {
    for (const name of ['animated.gif', 'animated.webp']) {
      const format: ImageFormat = name.endsWith('.gif') ? 'gif' : 'webp';
      const meta = await readWebp(await makeThumbnail(await stage(fixture(name)), format, MAX_PIXELS));
      expect([meta.width, meta.height]).toEqual([32, 24]);
      expect(meta.pages ?? 1).toBe(1);
    }
  });

  it('refuses an image over the pixel limit as UNPROCESSABLE_IMAGE', async () => {
    const input = await stage(await makeImage('png', 40, 30));
    const error = await makeThumbnail(input, 'png', 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'UNPROCESSABLE_IMAGE' });
  });

  it('refuses a truncated PNG as UNPROCESSABLE_IMAGE', async () => {
    const error = await makeThumbnail(await stage(fixture('truncated.png')), 'png', MAX_PIXELS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'UNPROCESSABLE_IMAGE',
      message: 'The PNG image could not be decoded: the file is corrupt or truncated',
    });
  });
});

describe('HEIC thumbnails', () => {
  it('decodes the HEVC image with libheif and keeps its colours', async () => {
    const thumbnail = await makeThumbnail(await stage(fixture('image.heic')), 'heic', MAX_PIXELS);
    const { data, info } = await sharp(thumbnail).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 64, height: 48 });
    // Not one flat colour: the photo's pixels were decoded, not a blank frame.
    const distinct = new Set<number>();
    for (let i = 0; i < data.length; i += info.channels)
      distinct.add((data[i] as number) * 65536 + (data[i + 1] as number) * 256 + (data[i + 2] as number));
    expect(distinct.size).toBeGreaterThan(1);
    // The first call compiles libheif's WebAssembly (a few MB): slow on a busy machine.
  }, 180_000);
});
